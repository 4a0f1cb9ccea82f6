import { z } from "zod";
import { uuid } from "../common";
import { errorCode } from "../errors";
import { absolutePath, requestId } from "./primitives";

// Payloads an agent may never receive are built at their first parse (z.lazy, see messages-to-agent.ts).

// An interactive exec session (a Syntra extension, like `kubectl exec -it`): a client (the CLI) opens a WebSocket
// to the control plane (GET /api/v1/services/:serviceId/exec/session), which relays it to the agent of the
// service's server. The client's frames and the session's frames are the same JSON objects on both legs: the
// control plane passes them through inside `exec_input` / `exec_output` messages. Bytes travel base64-encoded.

const base64 = z
  .string()
  .max(1_400_000)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, "expected base64");

/** Terminal size in character cells. */
export const terminalSize = z.object({
  cols: z.number().int().min(1).max(1000),
  rows: z.number().int().min(1).max(1000),
});
export type TerminalSize = z.infer<typeof terminalSize>;

/**
 * What a client sends on an exec session: bytes for the command's stdin, the end of its stdin (EOF), and the
 * terminal's new size (a TTY session).
 */
export const execClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("stdin"), data: base64 }),
  z.object({ type: z.literal("stdin_end") }),
  terminalSize.extend({ type: z.literal("resize") }),
]);
export type ExecClientFrame = z.infer<typeof execClientFrame>;

/**
 * What a session sends its client: `started` once the command runs, its output as it comes (a TTY session has one
 * stream, stdout), then `exit` with the exit code, or `error` when it could not run or the session broke. After
 * `exit` or `error` the socket closes.
 */
export const execServerFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("started") }),
  z.object({ type: z.literal("output"), stream: z.enum(["stdout", "stderr"]), data: base64 }),
  z.object({ type: z.literal("exit"), exit_code: z.number().int() }),
  z.object({ type: z.literal("error"), code: errorCode, message: z.string() }),
]);
export type ExecServerFrame = z.infer<typeof execServerFrame>;

// The agent hands argv to the runtime as C strings, where a NUL byte would cut an argument short.
const argument = z
  .string()
  .max(4096)
  .refine((value) => !value.includes("\0"), { message: "cannot contain a NUL byte" });

/** The command of an exec session, as an argv array (never a shell string), with its settings. */
export const execSessionCommand = z.object({
  command: z
    .array(argument)
    .min(1)
    .max(64)
    .refine((argv) => argv[0] !== "", { message: "the program name cannot be empty", path: [0] }),
  /** Allocate a terminal (stdout and stderr then arrive as one stream). */
  tty: z.boolean(),
  /** Attach the command's stdin to the client's `stdin` frames. */
  stdin: z.boolean(),
  working_dir: absolutePath.optional(),
  /** The terminal's size at the start (TTY sessions). */
  size: terminalSize.optional(),
});
export type ExecSessionCommand = z.infer<typeof execSessionCommand>;

/**
 * `exec_session` payload (control plane -> agent, Syntra extension): start a session in a running container of
 * the service. Answered by a `command_response` once the command runs (or with why not); its `request_id` names
 * the session in the `exec_input` and `exec_output` messages that follow. Agents without it drop it as an
 * unknown type; the control plane then answers the client with TIMEOUT.
 */
export const execSessionPayload = z.lazy(() => execSessionCommand.extend({ request_id: requestId, service_id: uuid }));
export type ExecSessionPayload = z.infer<typeof execSessionPayload>;

/**
 * `exec_input` payload (control plane -> agent): a client frame for a session, or `close` when the client left
 * (the agent then ends the command and its session).
 */
export const execInputPayload = z.lazy(() =>
  z.object({
    session_id: requestId,
    input: z.union([execClientFrame, z.object({ type: z.literal("close") })]),
  }),
);
export type ExecInputPayload = z.infer<typeof execInputPayload>;

/** `exec_output` payload (agent -> control plane): a session frame for the client. */
export const execOutputPayload = z.object({ session_id: requestId, output: execServerFrame });
export type ExecOutputPayload = z.infer<typeof execOutputPayload>;
