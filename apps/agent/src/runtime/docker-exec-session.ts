import type Dockerode from "dockerode";
import { AgentError } from "../errors";
import { DockerDemuxer } from "./docker-stream";
import type { ExecSessionHandle, ExecSessionOptions } from "./types";

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** The exit code once Docker has recorded it (the stream can end a moment before). */
export async function execExitCode(exec: Dockerode.Exec): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new AgentError("INTERNAL_ERROR", "Docker did not report the exit code of the command");
}

/**
 * Kills an exec's process and drops its connection. The kill reaches the process only when the agent shares the
 * host's PID namespace (it runs as root on the host); otherwise the command is abandoned.
 */
export async function killExec(exec: Dockerode.Exec, stream: { destroy(): void }): Promise<void> {
  const pid = (await exec.inspect().catch(() => null))?.Pid;
  if (pid) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Not in our PID namespace, or already gone.
    }
  }
  stream.destroy();
}

/**
 * Starts an attached exec in a container (Engine API, argv only): its output goes to `onOutput` as it comes, its
 * stdin is the hijacked connection's write side (ending it closes the command's stdin), and with `tty` it runs
 * in a pseudo-terminal of the given size (one raw output stream then).
 */
export async function startDockerExecSession(
  docker: Dockerode,
  containerId: string,
  opts: ExecSessionOptions,
  onOutput: (stream: "stdout" | "stderr", chunk: Buffer) => void,
): Promise<ExecSessionHandle> {
  let exec: Dockerode.Exec;
  try {
    exec = await docker.getContainer(containerId).exec({
      Cmd: opts.argv,
      AttachStdin: opts.stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: opts.tty,
      ...(opts.workingDir ? { WorkingDir: opts.workingDir } : {}),
      // A terminal needs TERM for programs that draw (vi, top); the user's own TERM is not known here.
      ...(opts.tty ? { Env: ["TERM=xterm-256color"] } : {}),
    });
  } catch (err) {
    if (statusCode(err) === 404) throw new AgentError("CONTAINER_NOT_FOUND", `No container ${containerId}`);
    if (statusCode(err) === 409) {
      throw new AgentError("CONTAINER_NOT_RUNNING", `Container ${containerId} is not running`);
    }
    throw err;
  }
  const stream = (await exec.start({ hijack: true, stdin: opts.stdin, Tty: opts.tty })) as NodeJS.ReadWriteStream & {
    destroy(): void;
  };
  const demux = new DockerDemuxer((name, chunk) => onOutput(name, chunk), opts.tty);
  stream.on("data", (chunk: Buffer) => demux.push(chunk));
  const ended = new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
  const resize = async (size: { cols: number; rows: number }) => {
    // The exec may already be over; a resize then has nothing to do.
    await exec.resize({ h: size.rows, w: size.cols }).catch(() => {});
  };
  if (opts.tty && opts.size) await resize(opts.size);
  return {
    write: (data) => {
      if (opts.stdin) stream.write(data);
    },
    endInput: () => {
      if (opts.stdin) stream.end();
    },
    resize,
    kill: () => killExec(exec, stream),
    exited: ended.then(() => execExitCode(exec)),
  };
}
