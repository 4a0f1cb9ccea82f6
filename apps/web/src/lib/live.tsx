import type { LiveEvent } from "@syntra/contracts";
import { liveEvent } from "@syntra/contracts";
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from "react";
import { api } from "./api";
import { invalidate } from "./query";

type Listener = (event: LiveEvent) => void;
interface LiveState {
  connected: boolean;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<LiveState>({ connected: false, subscribe: () => () => {} });

/** What each event makes stale: the queries showing it refetch, keeping their data on screen meanwhile. */
function invalidateFor(event: LiveEvent): void {
  switch (event.type) {
    case "deployment":
      invalidate(`deployment:${event.deployment_id}`, `service:${event.service_id}`, "project:", "overview");
      return;
    case "deployment_log":
      // Build output comes line by line through the deployment's own log stream (lib/deployment-log.ts);
      // refetching for each line would flood the API. Deploy steps are few and move the detail on.
      if (event.stream === "deploy") invalidate(`deployment:${event.deployment_id}`);
      return;
    case "server":
      invalidate("servers", `server:${event.server_id}`, "overview");
      return;
    case "domain":
      invalidate(`service:${event.service_id}`);
      return;
    case "ready":
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Keeps one EventSource on /api/v1/events while signed in; it reconnects by itself after a drop. */
export function LiveProvider({ enabled, children }: { enabled: boolean; children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource(api.live.events.url());
    const onMessage = (message: MessageEvent<string>) => {
      const parsed = liveEvent.safeParse(JSON.parse(message.data));
      if (!parsed.success) return;
      if (parsed.data.type === "ready") {
        setConnected(true);
        // Anything may have changed while disconnected.
        invalidate("servers", "server:", "service:", "deployment:", "project:", "overview");
      }
      invalidateFor(parsed.data);
      for (const l of listeners.current) l(parsed.data);
    };
    for (const type of ["ready", "deployment", "deployment_log", "server", "domain"]) {
      source.addEventListener(type, onMessage as EventListener);
    }
    source.onerror = () => setConnected(false);
    return () => {
      source.close();
      setConnected(false);
    };
  }, [enabled]);
  const value = useRef<LiveState>({
    connected: false,
    subscribe: (l) => {
      listeners.current.add(l);
      return () => listeners.current.delete(l);
    },
  });
  return <LiveContext.Provider value={{ ...value.current, connected }}>{children}</LiveContext.Provider>;
}

export const useLive = () => useContext(LiveContext);
