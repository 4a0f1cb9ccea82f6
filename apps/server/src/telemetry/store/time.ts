/** A Date as a `DateTime64` query parameter (`YYYY-MM-DD hh:mm:ss.mmm`, UTC). */
export function dateParam(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}

/** Nanoseconds since the epoch (a decimal string, as queries return them) -> ISO 8601 with nanoseconds, in UTC. */
export function nanosToIso(ns: string): string {
  const whole = BigInt(ns);
  const ms = whole / 1_000_000n;
  const base = new Date(Number(ms)).toISOString(); // 2025-01-31T10:15:30.123Z
  const fraction = (whole % 1_000_000_000n).toString().padStart(9, "0");
  return `${base.slice(0, 19)}.${fraction}Z`;
}

/** Milliseconds -> nanoseconds as a decimal string (for UInt64/Int64 parameters beyond safe integers). */
export function millisToNanos(ms: number): string {
  return (BigInt(Math.round(ms)) * 1_000_000n).toString();
}
