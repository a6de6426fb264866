/**
 * Text for figures, times and durations on the dashboard. Times are shown
 * in the DAG's own zone, the zone its schedule is read in.
 */
const counts = new Intl.NumberFormat("en-US");

export function count(n: number): string {
  return counts.format(Math.round(n));
}

/** "850ms", "12s", "4m 05s", "2h 03m", "3d 04h". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86_400) {
    return `${Math.floor(s / 3600)}h ${two(Math.floor(s / 60) % 60)}m`;
  }
  return `${Math.floor(s / 86_400)}d ${two(Math.floor(s / 3600) % 24)}h`;
}

/** The largest unit only: "45s", "12m", "2h", "3d". */
export function roughly(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** "3m ago", "just now". */
export function ago(at: Date, now: Date): string {
  const ms = now.getTime() - at.getTime();
  return ms < 1000 ? "just now" : `${roughly(ms)} ago`;
}

/** "in 12m", "due". */
export function until(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  return ms < 1000 ? "due" : `in ${roughly(ms)}`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function partsIn(zone: string, at: Date): Record<string, string> {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formats.set(zone, format);
  }
  return Object.fromEntries(
    format.formatToParts(at).map((p) => [p.type, p.value]),
  );
}

/** "2024-05-01 10:15" in `zone`. */
export function dateTime(at: Date, zone: string): string {
  const p = partsIn(zone, at);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** "2024-05-01 10:00 → 11:00", the end's date shown only if it differs. */
export function interval(start: Date, end: Date, zone: string): string {
  const from = dateTime(start, zone);
  const to = dateTime(end, zone);
  return `${from} → ${to.slice(0, 10) === from.slice(0, 10) ? to.slice(11) : to}`;
}

/** "10:15" within a day of `now`, else "05-03 02:00", in `zone`. */
export function soon(at: Date, zone: string, now: Date): string {
  const p = partsIn(zone, at);
  const time = `${p.hour}:${p.minute}`;
  const near = Math.abs(at.getTime() - now.getTime()) < 86_400_000;
  return near ? time : `${p.month}-${p.day} ${time}`;
}

/** "10:15:03" in `zone`. */
export function clock(at: Date, zone: string): string {
  const p = partsIn(zone, at);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** "1,234/s", or "–" before anything could be measured. */
export function perSecond(rate: number | null): string {
  if (rate === null) return "–";
  return rate >= 10 ? `${count(rate)}/s` : `${rate.toFixed(1)}/s`;
}

/** The first line of a message, cut to `width` with an ellipsis. */
export function clip(text: string, width: number): string {
  const line = text.split("\n", 1)[0] ?? "";
  if (width <= 0) return "";
  return line.length <= width ? line : line.slice(0, width - 1) + "…";
}
