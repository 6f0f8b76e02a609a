import { eq } from "drizzle-orm";
import { z } from "zod";
import { db } from "../../platform/db/client";
import { users } from "../../platform/db/schema";
import { newId } from "../../shared/ids";
import { burnPasswordCheck, hashPassword, verifyPassword } from "./passwords";

/** Emails are compared trimmed and lower-cased, so `A@x.test ` and `a@x.test` are one account. */
export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: "Not a valid email address." }));

// Upper bound keeps hashing cost bounded; lower bound is the usual minimum.
export const Password = z.string().min(8, "Passwords have at least 8 characters.").max(256);

export const SignupInput = z.object({
  email: Email,
  password: Password,
  name: z.string().trim().min(1).max(100),
  /** Contract extension: organizers may register themselves. Staff accounts are never self-made. */
  role: z.enum(["buyer", "organizer"]).default("buyer"),
});
export type SignupInput = z.infer<typeof SignupInput>;

export const LoginInput = z.object({
  email: Email,
  // No length rules on login: a wrong password is a 401 like any other.
  password: z.string().max(1024),
});
export type LoginInput = z.infer<typeof LoginInput>;

export type Account = { id: string; role: "buyer" | "organizer" | "staff" };

/** Creates an account; `email_taken` when the (normalised) email already has one. */
export async function createAccount(
  env: Pick<Env, "DB">,
  input: SignupInput,
): Promise<{ ok: true; account: Account } | { ok: false; reason: "email_taken" }> {
  const id = newId("usr");
  const passwordHash = await hashPassword(input.password);
  // The unique index decides races between two sign-ups with the same email.
  const inserted = await db(env)
    .insert(users)
    .values({ id, email: input.email, name: input.name, passwordHash, role: input.role })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id, role: users.role })
    .all();
  const row = inserted[0];
  return row ? { ok: true, account: row } : { ok: false, reason: "email_taken" };
}

/** The account for these credentials, or null; equally slow whether or not the email exists. */
export async function authenticate(env: Pick<Env, "DB">, input: LoginInput): Promise<Account | null> {
  const user = await db(env)
    .select({ id: users.id, role: users.role, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, input.email))
    .get();
  if (!user) return burnPasswordCheck(input.password).then(() => null);
  return (await verifyPassword(input.password, user.passwordHash)) ? { id: user.id, role: user.role } : null;
}
