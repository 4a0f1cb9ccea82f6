import {
  type DeploymentLogStreamEvent,
  type DeploymentLogStreamEventName,
  deploymentLogStreamEvents,
} from "@syntra/contracts";

const isEventName = (name: string): name is DeploymentLogStreamEventName =>
  Object.hasOwn(deploymentLogStreamEvents, name);

/**
 * One event of a deployment's log stream (GET /deployments/:id/logs/stream), checked against its contract
 * schema; null for events this client does not know or data that does not match (a newer server).
 */
export function parseDeploymentLogEvent(event: string, data: string): DeploymentLogStreamEvent | null {
  if (!isEventName(event)) return null;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  const parsed = deploymentLogStreamEvents[event].safeParse(json);
  return parsed.success ? ({ type: event, ...parsed.data } as DeploymentLogStreamEvent) : null;
}
