import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof build>;

const build = (d1: D1Database) => drizzle(d1, { schema });

/**
 * One drizzle instance per D1 binding object: building one walks the whole schema's relations,
 * which cost about 8% of the runtime's CPU in a payment's webhook (it queries through `db()`
 * some twenty times), and an instance holds no per-request state. Keyed weakly by the binding, so a
 * wrapped binding (call counting, tests) gets its own instance and nothing outlives its binding.
 */
const instances = new WeakMap<D1Database, Db>();

export function db(env: Pick<Env, "DB">): Db {
  let d = instances.get(env.DB);
  if (!d) instances.set(env.DB, (d = build(env.DB)));
  return d;
}
