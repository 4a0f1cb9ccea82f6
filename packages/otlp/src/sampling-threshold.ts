/*
 * OpenTelemetry's consistent probability sampling, as recorded in the W3C `tracestate` under the `ot` key
 * (`ot=th:<threshold>;rv:<randomness>`): a span is kept when its 56-bit randomness R (the `rv` value, else the last
 * 7 bytes of the trace id) is at least the rejection threshold T; the probability is 1 - T/2^56 and each kept span
 * stands for 1/probability spans. Thresholds are hex with trailing zeros dropped ("8" is 0x80000000000000, p = 0.5).
 */

const DIGITS = 14;
const MAX_THRESHOLD = 2 ** 56;

/** A threshold as its 14 hex digits, so that two thresholds (or a threshold and R) compare as strings. */
export type Threshold14 = string;

function entries(traceState: string): string[] {
  return traceState
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
}

/** The `ot` entry's sub-keys (`th`, `rv`, ...), or an empty map. */
function otValues(traceState: string): Map<string, string> {
  const out = new Map<string, string>();
  const ot = entries(traceState).find((e) => e.startsWith("ot="));
  if (!ot) return out;
  for (const part of ot.slice(3).split(";")) {
    const colon = part.indexOf(":");
    if (colon > 0) out.set(part.slice(0, colon), part.slice(colon + 1));
  }
  return out;
}

/** The threshold `th` in a tracestate, padded to 14 digits; undefined when there is none (or it is malformed). */
export function thresholdOf(traceState: string): Threshold14 | undefined {
  if (!traceState.includes("ot=")) return undefined;
  const th = otValues(traceState).get("th");
  if (!th || !/^[0-9a-f]{1,14}$/.test(th)) return undefined;
  return th.padEnd(DIGITS, "0");
}

/** The randomness R of a span: `rv` from its tracestate, else the last 56 bits of its trace id (hex). */
export function randomnessOf(traceIdHex: string, traceState: string): Threshold14 {
  if (traceState.includes("ot=")) {
    const rv = otValues(traceState).get("rv");
    if (rv && /^[0-9a-f]{14}$/.test(rv)) return rv;
  }
  return traceIdHex.slice(-DIGITS);
}

/** The threshold that keeps a share `probability` (0 < p <= 1) of traces. */
export function thresholdFor(probability: number): Threshold14 {
  const p = Math.min(1, Math.max(probability, 2 ** -56));
  const t = Math.round((1 - p) * MAX_THRESHOLD);
  // Doubles have 53 bits; the low digits of a 56-bit value are rounding noise, which is harmless here.
  return Math.min(t, MAX_THRESHOLD - 1)
    .toString(16)
    .padStart(DIGITS, "0");
}

/** How many spans one kept span stands for under a threshold: 1 / (1 - T/2^56). */
export function adjustedCount(threshold: Threshold14): number {
  const t = Number.parseInt(threshold, 16);
  return MAX_THRESHOLD / (MAX_THRESHOLD - t);
}

/** The sample weight a span's tracestate records (1 when it records none). */
export function sampleWeightOf(traceState: string): number {
  const th = thresholdOf(traceState);
  return th === undefined ? 1 : adjustedCount(th);
}

/**
 * The tracestate with the threshold `th` set (the larger of the existing one and `threshold`, since both apply to
 * the same randomness), the `ot` entry moved to the front as W3C asks of a modified entry.
 */
export function withThreshold(traceState: string, threshold: Threshold14): string {
  const existing = thresholdOf(traceState);
  const effective = existing !== undefined && existing > threshold ? existing : threshold;
  const values = otValues(traceState);
  values.set("th", effective.replace(/0+$/, "") || "0");
  const ot = `ot=${[...values].map(([k, v]) => `${k}:${v}`).join(";")}`;
  return [ot, ...entries(traceState).filter((e) => !e.startsWith("ot="))].slice(0, 32).join(",");
}
