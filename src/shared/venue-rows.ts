/**
 * The console's row notation for a reserved section, read the same way by the page (live seat
 * map preview) and the server (the venue it creates): one row per line, `<label> <seats> <tier>`,
 * and a letter range `A-D 12 standard` for several rows alike.
 */
export type RowSpec = { label: string; seats: number; price_tier: string };

export type RowsParse = { ok: true; rows: RowSpec[] } | { ok: false; line: number; message: string };

const LINE = /^([A-Za-z0-9_-]+?)(?:\s*-\s*([A-Za-z]))?\s+(\d{1,5})\s+([A-Za-z0-9_-]{1,32})$/;

export function parseRows(text: string): RowsParse {
  const rows: RowSpec[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const m = LINE.exec(line);
    if (!m) return { ok: false, line: i + 1, message: `Line ${i + 1}: write "<row> <seats> <price tier>", e.g. "A 12 standard" or "A-D 12 standard".` };
    const [, from, to, seats, tier] = m as unknown as [string, string, string | undefined, string, string];
    const n = Number(seats);
    if (n < 1) return { ok: false, line: i + 1, message: `Line ${i + 1}: a row needs at least one seat.` };
    if (to === undefined) {
      rows.push({ label: from, seats: n, price_tier: tier });
      continue;
    }
    if (!/^[A-Za-z]$/.test(from) || from.toUpperCase() > to.toUpperCase())
      return { ok: false, line: i + 1, message: `Line ${i + 1}: a range goes from one letter to a later one, e.g. "A-D".` };
    for (let c = from.toUpperCase().charCodeAt(0); c <= to.toUpperCase().charCodeAt(0); c++) rows.push({ label: String.fromCharCode(c), seats: n, price_tier: tier });
  }
  return { ok: true, rows };
}
