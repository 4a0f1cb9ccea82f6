/** What a resolved issue remembers of the version it was resolved in. */
export interface ResolvedVersion {
  resolvedAt: Date;
  /** The deployment of the last event when it was resolved, and when that deployment was made. */
  deploymentCreatedAt: Date | null;
  release: string | null;
}

/** The version a new event of the issue came from. */
export interface EventVersion {
  timestamp: Date;
  deploymentCreatedAt: Date | null;
  release: string | null;
}

/**
 * Whether a new event regresses a resolved issue: it comes from a later deployment than the one the issue was
 * resolved in (or, without deployments to compare, happened after the resolution in another release). Events of
 * the resolved version itself (old containers draining, a late batch) leave the issue resolved. With no
 * version to compare on either side, any event after the resolution regresses it.
 */
export function regresses(resolved: ResolvedVersion, event: EventVersion): boolean {
  // Deployments are ordered by the control plane's own clock, so they decide when both are known.
  if (resolved.deploymentCreatedAt && event.deploymentCreatedAt) {
    return event.deploymentCreatedAt > resolved.deploymentCreatedAt;
  }
  if (event.timestamp <= resolved.resolvedAt) return false;
  if (resolved.release && event.release) return event.release !== resolved.release;
  return true;
}
