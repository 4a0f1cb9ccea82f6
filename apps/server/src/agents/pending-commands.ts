import type { CommandResponsePayload, LogStreamPayload } from "@syntra/contracts";
import type { Logger } from "pino";
import { AppError } from "../errors";

interface PendingCommand {
  serverId: string;
  resolve(response: CommandResponsePayload): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface LogListener {
  serverId: string;
  serviceId: string;
  onStream(payload: LogStreamPayload): void;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * The commands sent to agents that wait for their command_response, and the open log subscriptions
 * waiting for log_stream messages, each tied to the server it was sent to: another server's agent
 * cannot answer for it.
 */
export class PendingCommands {
  private readonly commands = new Map<string, PendingCommand>();
  private readonly logListeners = new Map<string, LogListener>();

  constructor(private readonly logger: Logger) {}

  /**
   * Registers a command about to be sent; `post` sends it (and may throw, which unregisters it and
   * rethrows). Resolves with the answer; rejects with TIMEOUT after `timeoutMs`.
   */
  expect(
    serverId: string,
    requestId: string,
    type: string,
    timeoutMs: number,
    post: () => void,
  ): Promise<CommandResponsePayload> {
    let settle: Pick<PendingCommand, "resolve" | "reject"> | undefined;
    const answer = new Promise<CommandResponsePayload>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const timer = setTimeout(() => {
      this.commands.delete(requestId);
      settle?.reject(
        new AppError("TIMEOUT", `The agent did not answer the ${type} command within ${seconds(timeoutMs)}`),
      );
    }, timeoutMs);
    timer.unref();
    this.commands.set(requestId, {
      serverId,
      timer,
      resolve: (r) => settle?.resolve(r),
      reject: (e) => settle?.reject(e),
    });
    try {
      post();
    } catch (err) {
      clearTimeout(timer);
      this.commands.delete(requestId);
      throw err;
    }
    return answer;
  }

  /** Hands a command_response from `serverId`'s agent to the command waiting for it. */
  resolve(serverId: string, response: CommandResponsePayload): void {
    const pending = this.commands.get(response.request_id);
    if (!pending || pending.serverId !== serverId) {
      this.logger.info(
        { server_id: serverId, request_id: response.request_id },
        "command_response for no waiting command (late or unknown)",
      );
      return;
    }
    clearTimeout(pending.timer);
    this.commands.delete(response.request_id);
    pending.resolve(response);
  }

  /** Routes log_stream messages carrying `requestId` to `onStream`, until one says done. */
  listen(requestId: string, listener: LogListener): void {
    this.logListeners.set(requestId, listener);
  }

  /** Stops routing a subscription's messages; false when it had already ended. */
  unlisten(requestId: string): boolean {
    return this.logListeners.delete(requestId);
  }

  /** Hands a log_stream from `serverId`'s agent to its subscription. */
  stream(serverId: string, stream: LogStreamPayload): void {
    const listener = this.logListeners.get(stream.request_id);
    if (!listener || listener.serverId !== serverId || listener.serviceId !== stream.service_id) {
      this.logger.debug({ server_id: serverId, request_id: stream.request_id }, "log_stream for no open subscription");
      return;
    }
    if (stream.done) this.logListeners.delete(stream.request_id);
    listener.onStream(stream);
  }

  /** Fails everything that waits on `serverId`'s agent (its connection ended). */
  failServer(serverId: string, why: string): void {
    for (const [requestId, pending] of this.commands) {
      if (pending.serverId !== serverId) continue;
      clearTimeout(pending.timer);
      this.commands.delete(requestId);
      pending.reject(new AppError("AGENT_OFFLINE", `The agent's connection ended before it answered (${why})`));
    }
    for (const [requestId, listener] of this.logListeners) {
      if (listener.serverId === serverId) this.logListeners.delete(requestId);
    }
  }
}
