import { randomUUID } from "node:crypto";
import type {
  CommandResponsePayload,
  ErrorCode,
  ExecClientFrame,
  ExecOutputPayload,
  ExecServerFrame,
  ExecSessionCommand,
} from "@syntra/contracts";
import type { Logger } from "pino";
import { AppError } from "../errors";
import type { AgentHub } from "./hub";

interface SessionListener {
  serverId: string;
  onFrame(frame: ExecServerFrame): void;
}

/**
 * The exec sessions relayed through this control plane: routes each `exec_output` of a server's agent to the
 * client of its session (only that server's agent can speak for it), and ends a server's sessions with an
 * `error` frame when its agent's connection ends.
 */
export class ExecSessionRelay {
  private readonly listeners = new Map<string, SessionListener>();

  constructor(private readonly logger: Logger) {}

  listen(sessionId: string, listener: SessionListener): void {
    this.listeners.set(sessionId, listener);
  }

  /** Stops routing a session's frames; false when it had already ended. */
  unlisten(sessionId: string): boolean {
    return this.listeners.delete(sessionId);
  }

  /** Hands an exec_output from `serverId`'s agent to its session's client; `exit` and `error` end it. */
  output(serverId: string, payload: ExecOutputPayload): void {
    const listener = this.listeners.get(payload.session_id);
    if (!listener || listener.serverId !== serverId) {
      this.logger.debug({ server_id: serverId, session_id: payload.session_id }, "exec_output for no open session");
      return;
    }
    if (payload.output.type === "exit" || payload.output.type === "error") this.listeners.delete(payload.session_id);
    listener.onFrame(payload.output);
  }

  /** Ends the sessions of a server whose agent's connection ended. */
  failServer(serverId: string, why: string): void {
    for (const [sessionId, listener] of this.listeners) {
      if (listener.serverId !== serverId) continue;
      this.listeners.delete(sessionId);
      listener.onFrame({ type: "error", code: "AGENT_OFFLINE", message: `The agent's connection ended (${why})` });
    }
  }
}

/** An exec session opened on an agent. */
export interface ExecSession {
  /** Passes a client frame on to the agent. */
  input(frame: ExecClientFrame): void;
  /** The client left: the agent ends the command (idempotent). */
  close(): void;
}

/**
 * Opens an exec session on the agent of `serverId` (`exec_session`): the session's frames go to `onFrame`, from
 * `started` to `exit` or `error` (a refusal by the agent, no answer in time, or the agent's leaving included).
 * Throws AGENT_OFFLINE at once when the agent is not connected.
 */
export function openExecSession(
  hub: AgentHub,
  serverId: string,
  serviceId: string,
  command: ExecSessionCommand,
  onFrame: (frame: ExecServerFrame) => void,
  timeoutMs: number,
): ExecSession {
  const sessionId = randomUUID();
  hub.execSessions.listen(sessionId, { serverId, onFrame });
  const fail = (code: ErrorCode, message: string) => {
    if (hub.execSessions.unlisten(sessionId)) onFrame({ type: "error", code, message });
  };
  let confirmed: Promise<CommandResponsePayload>;
  try {
    const payload = { ...command, request_id: sessionId, service_id: serviceId };
    confirmed = hub.send(serverId, "exec_session", payload, { timeoutMs });
  } catch (err) {
    hub.execSessions.unlisten(sessionId);
    throw err;
  }
  confirmed.then(
    (response) => {
      if (!response.success) {
        fail(response.error?.code ?? "UNPROCESSABLE", response.error?.message ?? "The agent refused the command");
      }
    },
    (err: unknown) => {
      const code = err instanceof AppError ? err.code : "INTERNAL_ERROR";
      const message =
        err instanceof AppError && err.code === "TIMEOUT"
          ? "The agent did not start the session in time (an agent older than this control plane cannot run exec sessions; upgrade it)"
          : err instanceof Error
            ? err.message
            : String(err);
      fail(code, message);
    },
  );
  let closed = false;
  return {
    input: (frame) => {
      if (closed) return;
      try {
        hub.post(serverId, "exec_input", { session_id: sessionId, input: frame });
      } catch {
        // The agent is gone: failServer has ended the session already.
      }
    },
    close: () => {
      if (closed) return;
      closed = true;
      hub.execSessions.unlisten(sessionId);
      try {
        hub.post(serverId, "exec_input", { session_id: sessionId, input: { type: "close" } });
      } catch {
        // The agent is gone, and its sessions with it.
      }
    },
  };
}
