import { formatMoney, parseMajorUnits } from "../money";

/** Dates as people read them. Venues carry no time zone yet, so times are shown in UTC, and say so. */
export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
    timeZoneName: "short",
  }).format(new Date(iso));
}

export { formatMoney, parseMajorUnits };

/** Status of an event as a phrase. */
export const STATUS_LABEL: Record<string, string> = {
  draft: "Draft",
  scheduled: "On sale soon",
  on_sale: "On sale",
  ended: "Ended",
  cancelled: "Cancelled",
};
