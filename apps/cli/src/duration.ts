import { CliError, EXIT } from "./exit-codes";

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * A point in time from `--since`: a duration back from now (`90s`, `10m`, `2h`, `1d`, `1h30m`) or an ISO date
 * (`2026-01-31T10:00:00Z`, `2026-01-31`). Answers an ISO timestamp.
 */
export function parseSince(value: string, now = Date.now()): string {
  const trimmed = value.trim();
  if (/^(\d+[smhdw])+$/.test(trimmed)) {
    let seconds = 0;
    for (const [, n, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * (UNITS[unit ?? "s"] ?? 1);
    return new Date(now - seconds * 1000).toISOString();
  }
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) {
    throw new CliError(`--since '${value}' is neither a duration (10m, 2h, 1d) nor a date`, EXIT.usage);
  }
  return new Date(at).toISOString();
}
