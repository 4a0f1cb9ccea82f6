import type { ExecInputPayload, ExecServerFrame, ExecSessionPayload } from "@syntra/contracts";
import type { Logger } from "pino";
import type { AgentConnection } from "./connection";
import type { Workloads } from "./dispatcher";
import { AgentError, errorCodeOf } from "./errors";
import type { ContainerRuntime, ExecSessionHandle } from "./runtime/types";

// Output goes out as it comes, but in frames of at most this many bytes (a frame is base64 JSON).
const MAX_FRAME_BYTES = 256 * 1024;

/**
 * The agent's interactive exec sessions (`exec_session`, Syntra extension): each runs a command attached in a
 * running container of its service, sends `started`, its output and its `exit` (or `error`) as `exec_output`
 * messages, and takes stdin, EOF, resizes and the client's leaving from `exec_input`.
 */
export class ExecSessions {
  private readonly sessions = new Map<string, ExecSessionHandle>();

  constructor(
    private readonly deps: {
      connection: AgentConnection;
      runtime: ContainerRuntime;
      workloads: Pick<Workloads, "containersOf">;
      logger: Logger;
    },
  ) {}

  /** Starts a session; resolves (for the command_response) once its command runs. */
  async start(p: ExecSessionPayload): Promise<{ started: true; container_id: string }> {
    const [target] = (await this.deps.workloads.containersOf(p.service_id)).filter((c) => c.state === "running");
    if (!target) throw new AgentError("CONTAINER_NOT_FOUND", "No running container for this service");
    const id = p.request_id;
    // `started` goes out before any output can, so the client sees the frames in order.
    let started = false;
    const pending: ExecServerFrame[] = [];
    const send = (output: ExecServerFrame) => {
      if (!started) pending.push(output);
      else this.deps.connection.send("exec_output", { session_id: id, output });
    };
    const handle = await this.deps.runtime.execSession(
      target.id,
      { argv: p.command, workingDir: p.working_dir, tty: p.tty, stdin: p.stdin, size: p.size },
      (stream, chunk) => {
        for (let at = 0; at < chunk.length; at += MAX_FRAME_BYTES) {
          send({ type: "output", stream, data: chunk.subarray(at, at + MAX_FRAME_BYTES).toString("base64") });
        }
      },
    );
    this.sessions.set(id, handle);
    this.deps.connection.send("exec_output", { session_id: id, output: { type: "started" } });
    started = true;
    for (const output of pending.splice(0)) send(output);
    handle.exited.then(
      (exitCode) => send({ type: "exit", exit_code: exitCode }),
      (err: unknown) => {
        this.deps.logger.warn({ session_id: id, err }, "exec session failed");
        send({ type: "error", code: errorCodeOf(err), message: err instanceof Error ? err.message : String(err) });
      },
    );
    void handle.exited.finally(() => this.sessions.delete(id)).catch(() => {});
    return { started: true, container_id: target.id };
  }

  /** Hands a client frame to its session; input for a session that is over is dropped. */
  input(p: ExecInputPayload): void {
    const session = this.sessions.get(p.session_id);
    if (!session) return;
    const input = p.input;
    switch (input.type) {
      case "stdin":
        session.write(Buffer.from(input.data, "base64"));
        return;
      case "stdin_end":
        session.endInput();
        return;
      case "resize":
        void session.resize({ cols: input.cols, rows: input.rows });
        return;
      case "close":
        this.sessions.delete(p.session_id);
        void session.kill();
        return;
      default: {
        const unknown: never = input;
        this.deps.logger.warn({ input: unknown }, "unknown exec input");
      }
    }
  }

  /** Ends every session (the control plane's connection is gone, and their clients with it). */
  closeAll(): void {
    for (const session of this.sessions.values()) void session.kill();
    this.sessions.clear();
  }
}
