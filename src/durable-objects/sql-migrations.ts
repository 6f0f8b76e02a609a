/**
 * Append-only schema migrations for a Durable Object's SQLite storage. Call from the
 * constructor inside `blockConcurrencyWhile`; each step runs once, in order, in one
 * transaction with the version bump. Never edit or reorder a published step.
 */
export function migrate(storage: DurableObjectStorage, steps: readonly string[]): void {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS _schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM _schema_version WHERE id = 1").toArray()[0];
  const current = row?.version ?? 0;
  if (current > steps.length) throw new Error(`schema version ${current} is newer than this code (${steps.length})`);
  for (let v = current; v < steps.length; v++) {
    storage.transactionSync(() => {
      sql.exec(steps[v]!);
      sql.exec(
        "INSERT INTO _schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
        v + 1,
      );
    });
  }
}
