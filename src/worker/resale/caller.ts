import { eq } from "drizzle-orm";
import { db } from "../../platform/db/client";
import { users } from "../../platform/db/schema";
import { unauthenticated } from "../errors";

/** The signed-in caller's email (stored normalised), for matching transfers sent to it. */
export async function callerEmail(env: Pick<Env, "DB">, userId: string): Promise<string> {
  const row = await db(env).select({ email: users.email }).from(users).where(eq(users.id, userId)).get();
  if (!row) throw unauthenticated("The account of this token no longer exists.");
  return row.email;
}
