/** "3 min ago", "in 2 h": relative times for lists. */
export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

/** "1.2 s", "3 min 4 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A local date and time, e.g. for tooltips and log lines. */
export function dateTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/** Bytes as KB/MB/GB. */
export function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 10 || i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A share of a CPU core in percent: "0%", "0.012%" for an idle container, "4.5%", "120%". */
export function cpuPercent(v: number): string {
  // An idle container uses a few thousandths of a percent: fixed decimals would label every tick "0.0%".
  if (v === 0) return "0%";
  return `${v < 10 ? Number(v.toPrecision(2)) : v.toFixed(0)}%`;
}

/** The short form of a long id or SHA. */
export const short = (id: string | null | undefined, n = 8) => (id ? id.slice(0, n) : "—");

/** "expires in 63 days", "expires today", "expired 2 days ago": a certificate's validity for people. */
export function expiry(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  const days = Math.floor(Math.abs(ms) / 86_400_000);
  const plural = `${days} day${days === 1 ? "" : "s"}`;
  if (ms <= 0) return days === 0 ? "expired today" : `expired ${plural} ago`;
  return days === 0 ? "expires today" : `expires in ${plural}`;
}
