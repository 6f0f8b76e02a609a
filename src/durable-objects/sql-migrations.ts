/**
 * Append-only schema migrations for a Durable Object's SQLite storage. Call from the
 * constructor inside `blockConcurrencyWhile`; each step runs once, in order, in one
 * transaction with the version bump. Never edit or reorder a published step.
 */
export function migrate(storage: DurableObjectStorage, steps: readonly string[]): void {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS _schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  let row = sql.exec<{ version: number }>("SELECT version FROM _schema_version WHERE id = 1").toArray()[0];
  if (!row) row = adoptLegacyVersion(storage);
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

/**
 * The waiting room and the rate limiter once kept their version in a one-column `_schema`
 * table (same meaning: steps applied). Objects stored that way (a local `.wrangler` state, say)
 * must continue from that version, not re-run step 1 over tables that exist: the version moves
 * into `_schema_version` and `_schema` goes, in one transaction. Only objects without a
 * `_schema_version` row pay for the look-up, so once per object.
 */
function adoptLegacyVersion(storage: DurableObjectStorage): { version: number } | undefined {
  const sql = storage.sql;
  const legacy = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_schema'").toArray().length > 0;
  if (!legacy) return undefined;
  return storage.transactionSync(() => {
    const version = sql.exec<{ version: number | null }>("SELECT max(version) AS version FROM _schema").one().version ?? 0;
    sql.exec("INSERT INTO _schema_version (id, version) VALUES (1, ?)", version);
    sql.exec("DROP TABLE _schema");
    return { version };
  });
}
