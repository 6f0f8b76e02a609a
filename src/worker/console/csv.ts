/** CSV (RFC 4180) written as a stream of pages, so an export never holds the whole table. */

type Cell = string | number | null | undefined;

/**
 * One CSV field. Quotes when needed; a text starting with `=`, `+`, `-`, `@`, tab or CR gets a
 * leading `'` so that a buyer's name cannot run as a formula when the file is opened in a
 * spreadsheet (OWASP "CSV injection"). Numbers are written as they are.
 */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: Cell[]) => cells.map(csvField).join(",") + "\r\n";

/**
 * A byte stream of `header` and then the rows of each page `next(cursor)` gives, read only
 * when the client has taken the previous page (pull-based), so memory stays at one page
 * whatever the table's size. `next` answers the rows and the cursor after them (null at the end).
 */
export function csvStream<C>(header: string[], first: C, next: (cursor: C) => Promise<{ rows: Cell[][]; cursor: C | null }>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: C | null = first;
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvLine(header)));
          return;
        }
        if (cursor === null) {
          controller.close();
          return;
        }
        const page = await next(cursor);
        cursor = page.cursor;
        if (page.rows.length > 0) controller.enqueue(encoder.encode(page.rows.map(csvLine).join("")));
        if (cursor === null) controller.close();
      },
    },
    // One page in flight at most: the next D1 read waits for the client.
    { highWaterMark: 1 },
  );
}

export function csvResponse(filename: string, body: ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
}
