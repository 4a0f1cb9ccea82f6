import { ApiError } from "@syntra/api-client";
import type { ExecServerFrame } from "@syntra/contracts";
import { CliError, EXIT } from "../exit-codes";
import { resolveService } from "../resolve";
import { type GlobalOptions, openSession } from "../session";

interface ExecOptions extends GlobalOptions {
  interactive?: boolean;
  tty?: boolean;
  workdir?: string;
}

/**
 * The service and the command of `syn exec [service] -- cmd...`: commander hands every word over as one list,
 * so the words after `--` on the command line are the command and the one before (if any) the service.
 */
export function splitExecWords(words: string[], argv: string[]): { service: string | undefined; command: string[] } {
  const dash = argv.indexOf("--");
  if (dash === -1) throw new CliError("Put the command after --", EXIT.usage, "syn exec web -- ls -la");
  const command = argv.slice(dash + 1);
  const before = words.slice(0, words.length - command.length);
  if (command.length === 0) throw new CliError("Give a command after --", EXIT.usage, "syn exec web -- sh");
  if (before.length > 1) throw new CliError(`One service before --, not ${before.join(" ")}`, EXIT.usage);
  return { service: before[0], command };
}

/**
 * `syn exec [service] -- cmd...`: runs the command in a running container of the service over a WebSocket the
 * control plane relays to its agent. Output streams live; `-i` passes stdin, `-t` gives a terminal (raw mode,
 * resizes followed). Exits with the command's exit code; 125 when syn failed before the command ran.
 */
export async function exec(words: string[], opts: ExecOptions, argv = process.argv): Promise<void> {
  const { service: wanted, command } = splitExecWords(words, argv);
  const session = await openSession(opts);
  const { out } = session;
  let tty = opts.tty === true;
  if (tty && !(process.stdin.isTTY && process.stdout.isTTY)) {
    out.warn("-t needs a terminal on stdin and stdout; running without one");
    tty = false;
  }
  const stdin = opts.interactive === true;
  const service = await resolveService(session, wanted).catch((err: unknown) => {
    throw err instanceof CliError ? new CliError(err.message, EXIT.execFailed, err.hint) : err;
  });
  let exitCode: number | undefined;
  let failure: Extract<ExecServerFrame, { type: "error" }> | undefined;
  let restore = () => {};
  const socket = await session.api.services
    .execSession(
      {
        serviceId: service.id,
        command,
        tty,
        stdin,
        ...(tty && { cols: process.stdout.columns, rows: process.stdout.rows }),
        ...(opts.workdir !== undefined && { working_dir: opts.workdir }),
      },
      (frame) => {
        switch (frame.type) {
          case "started":
            restore = attachTerminal(tty, stdin, (f) => socket.send(f));
            return;
          case "output":
            (frame.stream === "stderr" ? process.stderr : process.stdout).write(Buffer.from(frame.data, "base64"));
            return;
          case "exit":
            exitCode = frame.exit_code;
            return;
          case "error":
            failure = frame;
            return;
          default: {
            const unknown: never = frame;
            return unknown;
          }
        }
      },
    )
    .catch((err: unknown) => {
      // Refused before the command ran (permission, agent offline ...): syn's failure, exit 125 like docker exec.
      if (!(err instanceof ApiError)) throw err;
      const id = err.requestId ? ` (request ${err.requestId})` : "";
      throw new CliError(`${err.message}${id}`, EXIT.execFailed);
    });
  const interrupt = () => {
    socket.close();
    exitCode ??= EXIT.interrupted;
  };
  // In an interactive terminal Ctrl-C is a byte for the remote side; otherwise it ends the session.
  if (!(tty && stdin)) process.once("SIGINT", interrupt);
  await socket.closed;
  process.removeListener("SIGINT", interrupt);
  restore();
  if (failure) throw new CliError(`exec failed: ${failure.message} (${failure.code})`, EXIT.execFailed);
  if (exitCode === undefined) throw new CliError("The session ended without the command's exit code", EXIT.execFailed);
  process.exitCode = exitCode;
}

type Send = (
  frame: { type: "stdin"; data: string } | { type: "stdin_end" } | { type: "resize"; cols: number; rows: number },
) => void;

/**
 * Connects the local terminal to the session once the command runs (input only with -i, as docker exec does);
 * returns what puts the terminal back.
 */
function attachTerminal(tty: boolean, stdin: boolean, send: Send): () => void {
  const cleanups: (() => void)[] = [];
  if (tty && stdin) {
    process.stdin.setRawMode?.(true);
    cleanups.push(() => process.stdin.setRawMode?.(false));
  }
  if (tty) {
    const resize = () => send({ type: "resize", cols: process.stdout.columns, rows: process.stdout.rows });
    process.stdout.on("resize", resize);
    cleanups.push(() => process.stdout.removeListener("resize", resize));
  }
  if (stdin) {
    const onData = (chunk: Buffer) => send({ type: "stdin", data: chunk.toString("base64") });
    const onEnd = () => send({ type: "stdin_end" });
    process.stdin.on("data", onData);
    process.stdin.once("end", onEnd);
    cleanups.push(() => {
      process.stdin.removeListener("data", onData);
      process.stdin.removeListener("end", onEnd);
      process.stdin.pause();
    });
  }
  return () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  };
}
