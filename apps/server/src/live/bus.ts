import { type ClusterBus, LocalClusterBus } from "../cluster/bus";

/**
 * What changed, as the dashboard and the CLI need it live. Every event names its organization: a subscriber
 * only ever sees its own organization's events.
 */
export type LiveEvent =
  | { type: "deployment"; orgId: string; serviceId: string; deploymentId: string; status: string }
  | {
      type: "deployment_log";
      orgId: string;
      serviceId: string;
      deploymentId: string;
      /** "build" lines come from the builder (secrets already masked), "deploy" lines from the agent. */
      stream: "build" | "deploy";
      line: string;
      timestamp: string;
    }
  | { type: "server"; orgId: string; serverId: string; status: string }
  | { type: "domain"; orgId: string; serviceId: string; domain: string; status: string };

export type LiveListener = (event: LiveEvent) => void;

/**
 * Publish/subscribe of live events. Each event reaches the subscribers of this process and, through the cluster
 * bus (PostgreSQL LISTEN/NOTIFY when several replicas share the database), those of every other replica: a browser
 * sees the progress of a deployment whatever replica its stream and the deployment's agent are connected to.
 */
export class LiveBus {
  private readonly listeners = new Map<string, Set<LiveListener>>();

  constructor(private readonly cluster: ClusterBus = new LocalClusterBus()) {
    cluster.on("live", (event) => this.deliver(event as LiveEvent));
  }

  /** Delivers the event to its organization's subscribers here and on the other replicas. */
  publish(event: LiveEvent): void {
    this.deliver(event);
    this.cluster.broadcast("live", event);
  }

  /** Hands the event to this process's subscribers; a throwing listener never affects the others. */
  private deliver(event: LiveEvent): void {
    for (const listener of this.listeners.get(event.orgId) ?? []) {
      try {
        listener(event);
      } catch {
        // A subscriber's bug (a closed stream) must not break the publisher's flow.
      }
    }
  }

  /** Subscribes to an organization's events; returns the unsubscribe function. */
  subscribe(orgId: string, listener: LiveListener): () => void {
    let set = this.listeners.get(orgId);
    if (!set) {
      set = new Set();
      this.listeners.set(orgId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(orgId);
    };
  }

  /** Number of subscribers, for tests and metrics. */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
