/**
 * The close code a control plane sends its agents when it stops to start again (a restart, an upgrade, a
 * replica going away): come back, but not all at once. The reason says within how many seconds
 * (`restartingCloseReason`), sized by the control plane to its fleet, and each agent waits a random part of that.
 */
export const RESTARTING_CLOSE_CODE = 4012;

/** The longest spread a control plane may ask for (and an agent accepts), in seconds. */
export const MAX_RECONNECT_SPREAD_SECONDS = 120;

/** The close reason of RESTARTING_CLOSE_CODE, naming the spread (well under the 123 bytes a reason may hold). */
export function restartingCloseReason(spreadSeconds: number): string {
  return `control plane restarting; reconnect within ${clampSpread(spreadSeconds)} s`;
}

/** The spread a restarting close reason names, in seconds (bounded); null when it names none. */
export function reconnectSpreadSeconds(reason: string): number | null {
  const match = /reconnect within (\d{1,6}) s/.exec(reason);
  return match?.[1] ? clampSpread(Number(match[1])) : null;
}

function clampSpread(seconds: number): number {
  return Math.min(MAX_RECONNECT_SPREAD_SECONDS, Math.max(1, Math.ceil(seconds)));
}
