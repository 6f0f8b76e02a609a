/**
 * Business metrics, one Workers Analytics Engine data point per business event. In the
 * platform layer, below the objects, so that the Worker and the objects write the same shape.
 *
 * Columns (query them as blob1.., double1..; README "What operators see" has the SQL):
 * - index1: the event id (Analytics Engine samples per index, so one busy event cannot
 *   crowd out the others);
 * - blob1: the kind (`hold`, `sale`, `refund`, `admission`, `scan`); blob2: the event id;
 *   blob3: a detail (the currency of a sale or refund, the verdict of a scan);
 * - double1: how many (seats held, tickets sold or refunded, fans admitted, scans);
 *   double2: an amount in the currency's minor units (0 when there is none).
 */
export type MetricKind = "hold" | "sale" | "refund" | "admission" | "scan";

export interface BusinessEvent {
  kind: MetricKind;
  eventId: string;
  count: number;
  amountMinor?: number;
  detail?: string;
}

/**
 * Writes one data point. Never throws and never waits: a metric must not fail or slow the
 * request it describes (Analytics Engine buffers writes outside the request).
 */
export function recordMetric(dataset: AnalyticsEngineDataset | undefined, e: BusinessEvent): void {
  try {
    dataset?.writeDataPoint({
      indexes: [e.eventId.slice(0, 96)],
      blobs: [e.kind, e.eventId, e.detail ?? ""],
      doubles: [e.count, e.amountMinor ?? 0],
    });
  } catch (err) {
    console.error(JSON.stringify({ msg: "metric not written", kind: e.kind, error: String(err) }));
  }
}
