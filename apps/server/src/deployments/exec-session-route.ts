import { apiRoutes, type ExecServerFrame, execClientFrame } from "@syntra/contracts";
import type { WebSocket } from "ws";
import { type ExecSession, openExecSession } from "../agents/exec-sessions";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { getServiceRow } from "../services/services";

/**
 * GET /services/:id/exec/session (WebSocket): checks the service and that its agent is online before the upgrade,
 * records the command in the audit log, then relays the session between the client and the agent: the client's
 * frames (stdin, EOF, resize) go to the agent, the session's frames (started, output, exit, error) come back, and
 * the socket closes after `exit` or `error`. A client that leaves ends the command.
 */
export const execSessionRoute = implement(apiRoutes.services.execSession, {
  audit: { action: "service.exec", resourceType: "service" },
  handler: async ({ auth, deps, params, query, audit }) => {
    const service = await getServiceRow(deps.db, projectScope(auth), params.serviceId);
    if (!deps.agents.isOnline(service.serverId)) {
      throw new AppError("AGENT_OFFLINE", "The server's agent is not connected");
    }
    audit({
      resourceId: service.id,
      details: {
        command: query.command,
        session: true,
        tty: query.tty,
        ...(query.working_dir !== undefined && { working_dir: query.working_dir }),
      },
    });
    const size =
      query.cols !== undefined && query.rows !== undefined ? { cols: query.cols, rows: query.rows } : undefined;
    const command = {
      command: query.command,
      tty: query.tty,
      stdin: query.stdin,
      ...(query.working_dir !== undefined && { working_dir: query.working_dir }),
      ...(size && { size }),
    };
    return (socket) =>
      relay(deps, socket, (onFrame) =>
        openExecSession(
          deps.agents,
          service.serverId,
          service.id,
          command,
          onFrame,
          deps.config.agents.commandTimeoutSeconds * 1000,
        ),
      );
  },
});

function relay(deps: AppDeps, socket: WebSocket, open: (onFrame: (frame: ExecServerFrame) => void) => ExecSession) {
  const send = (frame: ExecServerFrame) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(frame));
    if (frame.type === "exit" || frame.type === "error") socket.close(1000, frame.type);
  };
  let session: ExecSession;
  try {
    session = open(send);
  } catch (err) {
    const code = err instanceof AppError ? err.code : "INTERNAL_ERROR";
    if (!(err instanceof AppError)) deps.logger.error({ err }, "exec session could not start");
    send({ type: "error", code, message: err instanceof Error ? err.message : "The session could not start" });
    return;
  }
  socket.on("message", (data, isBinary) => {
    let frame: unknown;
    try {
      frame = isBinary ? undefined : JSON.parse(String(data));
    } catch {
      frame = undefined;
    }
    const parsed = execClientFrame.safeParse(frame);
    if (!parsed.success) {
      send({ type: "error", code: "VALIDATION_ERROR", message: "Frames are JSON objects: stdin, stdin_end or resize" });
      session.close();
      return;
    }
    session.input(parsed.data);
  });
  socket.on("close", () => session.close());
}
