import { parseDeploymentLogEvent } from "@syntra/api-client";
import { type DeployLogEntry, type DeploymentRecordStatus, deploymentLogStreamEvents } from "@syntra/contracts";
import { useEffect, useState } from "react";
import { api } from "./api";
import { invalidate } from "./query";

/** A deployment's log as streamed so far. */
export interface DeploymentLog {
  build: string;
  deploy: DeployLogEntry[];
  /** The latest status the stream reported; null before the first. */
  status: DeploymentRecordStatus | null;
  /** connecting (or reconnecting), live, ended (the deployment is over), error (the stream was refused). */
  state: "connecting" | "live" | "ended" | "error";
}

const EMPTY: DeploymentLog = { build: "", deploy: [], status: null, state: "connecting" };

/**
 * Follows GET /deployments/:id/logs/stream with an EventSource until the deployment is over. The stream
 * replays from the start on every (re)connection, so what a reconnection repeats is skipped rather than
 * cleared and redrawn: the log never jumps.
 */
export function useDeploymentLog(deploymentId: string): DeploymentLog {
  const [log, setLog] = useState<DeploymentLog>(EMPTY);
  useEffect(() => {
    setLog(EMPTY);
    const source = new EventSource(api.deployments.logStream.url({ deploymentId }));
    // What this connection has replayed or sent: the part of it already shown is not appended again.
    let chars = 0;
    let entries = 0;
    const onEvent = (message: MessageEvent<string>) => {
      const event = parseDeploymentLogEvent(message.type, message.data);
      if (!event) return;
      switch (event.type) {
        case "build": {
          const start = chars;
          chars += event.text.length;
          const end = chars;
          setLog((l) =>
            l.build.length >= end
              ? l
              : { ...l, build: l.build + event.text.slice(Math.max(0, l.build.length - start)) },
          );
          return;
        }
        case "deploy": {
          entries++;
          const count = entries;
          setLog((l) => (l.deploy.length >= count ? l : { ...l, deploy: [...l.deploy, event.entry] }));
          return;
        }
        case "status":
          setLog((l) => ({ ...l, status: event.status }));
          // Durations, commit and image are filled in as the status moves on.
          invalidate(`deployment:${deploymentId}`);
          return;
        case "end":
          source.close();
          setLog((l) => ({ ...l, status: event.status, state: "ended" }));
          invalidate(`deployment:${deploymentId}`);
          return;
        default: {
          const unreachable: never = event;
          throw new Error(`unknown deployment log event ${JSON.stringify(unreachable)}`);
        }
      }
    };
    for (const name of Object.keys(deploymentLogStreamEvents)) {
      source.addEventListener(name, onEvent as EventListener);
    }
    source.onopen = () => {
      chars = 0;
      entries = 0;
      setLog((l) => ({ ...l, state: "live" }));
    };
    source.onerror = () => {
      // CLOSED: refused (gone, or no longer allowed); otherwise EventSource reconnects by itself.
      const state = source.readyState === EventSource.CLOSED ? "error" : "connecting";
      setLog((l) => (l.state === "ended" ? l : { ...l, state }));
    };
    return () => source.close();
  }, [deploymentId]);
  return log;
}
