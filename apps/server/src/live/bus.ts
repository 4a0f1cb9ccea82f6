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
 * In-process publish/subscribe of live events. One control-plane process sees the events it causes and the
 * agents connected to it; with several replicas this becomes PostgreSQL LISTEN/NOTIFY behind the same API.
 */
export class LiveBus {
  private readonly listeners = new Map<string, Set<LiveListener>>();

  /** Delivers the event to its organization's subscribers; a throwing listener never affects the others. */
  publish(event: LiveEvent): void {
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
