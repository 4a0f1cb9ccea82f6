/**
 * Interface contracts 4.3, agent <-> control plane compatibility:
 *
 * | Agent | Min CP | Max CP |
 * |-------|--------|--------|
 * | 0.1.x | 0.1.0  | 0.2.x  |
 * | 0.2.x | 0.1.0  | 0.3.x  |
 *
 * Read as a rule: an agent works with every control plane from 0.1.0 up to one minor version newer than itself, so a
 * control plane serves agents of its own minor version and of the one before (and any newer agent). Outside 0.x
 * (not in the table yet) the same rule holds within one major version; an agent of an older major is too old.
 */
export type AgentCompatibility =
  | { compatible: true }
  | { compatible: false; reason: "too_old"; minimum: string; message: string };

function parts(version: string): [number, number, number] | null {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

/** The oldest agent version a control plane of `controlPlaneVersion` accepts. */
export function minimumAgentVersion(controlPlaneVersion: string): string {
  const [major = 0, minor = 0] = parts(controlPlaneVersion) ?? [];
  return `${major}.${Math.max(minor - 1, major === 0 ? 1 : 0)}.0`;
}

/** Whether an agent of `agentVersion` may work with a control plane of `controlPlaneVersion` (table 4.3). */
export function agentCompatibility(agentVersion: string, controlPlaneVersion: string): AgentCompatibility {
  const agent = parts(agentVersion);
  const minimum = minimumAgentVersion(controlPlaneVersion);
  const floor = parts(minimum);
  if (!agent || !floor) {
    return { compatible: false, reason: "too_old", minimum, message: `agent version ${agentVersion} is not semver` };
  }
  if (agent[0] > floor[0] || (agent[0] === floor[0] && agent[1] >= floor[1])) return { compatible: true };
  return {
    compatible: false,
    reason: "too_old",
    minimum,
    message: `agent ${agentVersion} is too old for control plane ${controlPlaneVersion}, which needs agents of ${minimum} or newer (interface contracts 4.3)`,
  };
}

/** Orders two semver versions by major, minor and patch (pre-release tags ignored); invalid ones sort first. */
export function compareVersions(a: string, b: string): number {
  const left = parts(a);
  const right = parts(b);
  if (!left || !right) return (left ? 1 : 0) - (right ? 1 : 0);
  return left[0] - right[0] || left[1] - right[1] || left[2] - right[2];
}
