import { storeAgentAlert } from "../alerts/agent-alerts";
import {
  applyDeployStatus,
  dispatchQueuedOnAgentReady,
  reconcileDeployments,
  requeueDeployments,
  takePendingDeployments,
} from "../deployments/dispatch";
import { sendRemovalsOnAgentReady } from "../deployments/retire";
import type { AppDeps } from "../deps";
import { recordCertificateStatus } from "../domains/certificates";
import { recheckDomainsOnAgentReady } from "../domains/domains";
import { reconcileRoutes } from "../domains/route-reconcile";
import { publishServerStatus } from "../live/publish";
import { sendMonitorsOnAgentReady, storeMonitorResults } from "../monitors/agents";
import { HeartbeatMetricsWriter } from "../telemetry/container-metrics";
import { telemetryHubAnswers } from "../telemetry/ingest/hub-events";
import type { AgentHubWiring, HubEvent, HubEventHandler, HubEventKind } from "./hub-events";
import { startUpdateOnAgentHello, updateForTooOldAgent } from "./updates";

/** Each kind of hub event with its handlers, in the order they run. */
export type HubEventHandlers = { [K in HubEventKind]: readonly HubEventHandler<K>[] };

/**
 * Who handles which hub event: one line per kind, each naming handlers of the domains that own it. A new kind
 * (a new agent message type, or a new lifecycle event in `hub-events.ts`) does not compile until it has its line.
 */
export function hubEventHandlers(deps: AppDeps): HubEventHandlers {
  // Written with the heartbeats' own flushes, at most a second apart (a long flush interval, as a test sets, would
  // otherwise hold the charts back that long).
  const heartbeatMetrics = new HeartbeatMetricsWriter(deps, Math.min(deps.config.agents.heartbeatFlushMs, 1000));
  return {
    agent_ready: [
      (e) => sendRemovalsOnAgentReady(deps, e),
      (e) => dispatchQueuedOnAgentReady(deps, e),
      (e) => recheckDomainsOnAgentReady(deps, e),
      (e) => sendMonitorsOnAgentReady(deps, e),
    ],
    server_status: [(e) => publishServerStatus(deps, e.serverId, e.status, e.orgId)],
    hello_accepted: [(e) => startUpdateOnAgentHello(deps, e)],
    sweep: [() => reconcileDeployments(deps)],
    heartbeat_recorded: [(e) => heartbeatMetrics.store(e.server, e.beat, e.at)],
    deploy_status: [(e) => applyDeployStatus(deps, e.serverId, e.message.payload, e.message.timestamp)],
    certificate_status: [(e) => recordCertificateStatus(deps, e.serverId, e.message.payload).then(() => {})],
    routes_report: [(e) => reconcileRoutes(deps, e.serverId, e.message.payload).then(() => {})],
    // The hub also keeps the latest alerts in memory (AgentHub.recentAlerts); alerting stores them for its event rules.
    alert: [(e) => storeAgentAlert(deps.db, e.serverId, e.message.payload, deps.now())],
    monitor_results: [(e) => storeMonitorResults(deps, e.serverId, e.message.payload)],
  };
}

/**
 * The hub's one way into the rest of the control plane: hands each event to the handlers of its kind, one after
 * the other (a failing handler is logged with the event's kind and does not keep the others from running), and
 * answers its questions from the domains that own them: deployments (hello_ack), telemetry (batches, keys) and
 * agent updates (what a too-old agent should run).
 */
export function createHubDispatcher(
  deps: AppDeps,
  handlers: HubEventHandlers = hubEventHandlers(deps),
): AgentHubWiring {
  return {
    takePendingDeployments: (serverIds) => takePendingDeployments(deps, serverIds),
    requeueDeployments: (ids) => requeueDeployments(deps, ids),
    ...telemetryHubAnswers(deps),
    updateForTooOldAgent: (serverId, hello) => updateForTooOldAgent(deps, serverId, hello),
    emit: async (event) => {
      // The table pairs each kind with handlers of its own event type; indexing it by a union loses that pairing.
      const list = handlers[event.kind] as readonly HubEventHandler<HubEventKind>[];
      for (const handle of list) {
        try {
          await handle(event as never);
        } catch (err) {
          deps.logger.error({ err, event: event.kind, ...serverOf(event) }, "agent hub event handler failed");
        }
      }
    },
  };
}

function serverOf(event: HubEvent): { server_id?: string } {
  return "serverId" in event ? { server_id: event.serverId } : {};
}
