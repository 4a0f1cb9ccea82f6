import { z } from "zod";

/** The WebSocket protocol versions this control plane speaks, oldest first. */
export const PROTOCOL_VERSIONS: readonly string[] = ["1.0"];

/** A protocol version, "major.minor": minors add optional fields, majors break. */
export const protocolVersion = z.string().regex(/^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)$/, 'expected "major.minor"');

/** Parses "major.minor" into numbers, or null when the string is not one. */
export function parseProtocolVersion(version: string): { major: number; minor: number } | null {
  if (!protocolVersion.safeParse(version).success) return null;
  const [major = "", minor = ""] = version.split(".");
  return { major: Number(major), minor: Number(minor) };
}

/** Orders two valid "major.minor" versions numerically (so "1.10" > "1.9"); invalid ones sort first. */
export function compareProtocolVersions(a: string, b: string): number {
  const left = parseProtocolVersion(a);
  const right = parseProtocolVersion(b);
  if (!left || !right) return (left ? 1 : 0) - (right ? 1 : 0);
  return left.major - right.major || left.minor - right.minor;
}

/**
 * Picks the version a connection speaks: the highest of `supported` within the agent's range
 * [`agentMinSupported`, `agentVersion`]. Null when the ranges do not meet or the agent's
 * versions are malformed; the control plane then answers `hello_ack` with accepted=false.
 */
export function negotiateProtocolVersion(
  agentVersion: string,
  agentMinSupported: string,
  supported: readonly string[],
): string | null {
  if (!parseProtocolVersion(agentVersion) || !parseProtocolVersion(agentMinSupported)) return null;
  let best: string | null = null;
  for (const candidate of supported) {
    if (!parseProtocolVersion(candidate)) continue;
    const inRange =
      compareProtocolVersions(candidate, agentMinSupported) >= 0 &&
      compareProtocolVersions(candidate, agentVersion) <= 0;
    if (inRange && (best === null || compareProtocolVersions(candidate, best) > 0)) best = candidate;
  }
  return best;
}
