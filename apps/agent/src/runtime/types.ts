import type { VolumeMount } from "@syntra/contracts";

/** Labels every Syntra container carries, so the agent can find its own after a restart. */
export const LABELS = {
  managed: "dev.syntra.managed",
  serviceId: "dev.syntra.service_id",
  deploymentId: "dev.syntra.deployment_id",
  replica: "dev.syntra.replica",
  /** The port the app listens on inside the container. */
  port: "dev.syntra.port",
} as const;

/** What a container of a service should be. */
export interface ContainerSpec {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** Port the app listens on inside the container (not published: reached at the container's address). */
  port: number;
  cpuLimit?: string | undefined;
  memoryLimit?: string | undefined;
  volumes?: VolumeMount[] | undefined;
  /** A per-project network the container joins, with these DNS aliases on it. */
  network: { name: string; aliases: string[] };
}

/** A running (or stopped) container as the agent sees it. */
export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: "created" | "running" | "restarting" | "exited" | "paused" | "dead" | "removing";
  /** `<network ip>:<app port>`, where the proxy and the health checks reach the app, when running. */
  address: string | null;
  /**
   * The container's IP on its Syntra network, when running: reaches its other ports too (a health check on
   * another port). Optional so other runtimes may leave it out.
   */
  networkIp?: string | null;
  restartCount: number;
  startedAt: string | null;
}

/** Result of a command run inside a container. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the command did not finish in time (exitCode is then 124): the command's error for the reply. */
  error?: { code: "TIMEOUT"; message: string };
}

/** An interactive command in a container (`exec_session`). */
export interface ExecSessionOptions {
  argv: string[];
  workingDir?: string | undefined;
  /** Run in a pseudo-terminal (one output stream). */
  tty: boolean;
  /** Attach stdin. */
  stdin: boolean;
  size?: { cols: number; rows: number } | undefined;
}

/** A running exec session. */
export interface ExecSessionHandle {
  /** Bytes for the command's stdin (ignored without stdin). */
  write(data: Buffer): void;
  /** Closes the command's stdin (EOF). */
  endInput(): void;
  resize(size: { cols: number; rows: number }): Promise<void>;
  /** Ends the command (where the agent can reach its process) and the session. */
  kill(): Promise<void>;
  /** The exit code, once the command ended. */
  exited: Promise<number>;
}

/** One line of container output. */
export interface LogLine {
  timestamp: string;
  stream: "stdout" | "stderr";
  message: string;
}

/** Resource use of a container right now. */
export interface ContainerStats {
  cpuPercent: number;
  memoryMb: number;
}

/**
 * The container runtime seam (Docker now, Kubernetes later). Everything takes argv arrays and structured
 * specs; no implementation builds shell strings from user input.
 */
export interface ContainerRuntime {
  /** Runtime name and version for `agent_hello`, e.g. { name: "docker", version: "20.10.24" }. */
  version(): Promise<{ name: "docker" | "kubernetes"; version: string }>;
  /** Makes the image available locally: pulls unless present and pinned (see implementation notes). */
  ensureImage(
    image: { ref: string; digest?: string | undefined },
    auth: { username: string; password: string; serveraddress: string } | null,
    onProgress?: (line: string) => void,
    /** Cuts a slow pull short (deploy timeout); the error is then TIMEOUT. */
    signal?: AbortSignal,
  ): Promise<void>;
  ensureNetwork(name: string): Promise<void>;
  /** Creates and starts a container; returns it once running. */
  run(spec: ContainerSpec): Promise<ContainerInfo>;
  stop(id: string, timeoutSeconds: number): Promise<void>;
  remove(id: string): Promise<void>;
  restart(id: string, timeoutSeconds: number): Promise<void>;
  inspect(id: string): Promise<ContainerInfo | null>;
  /** Syntra-managed containers, optionally of one service, running or not. */
  list(filter?: { serviceId?: string }): Promise<ContainerInfo[]>;
  exec(
    id: string,
    cmd: {
      argv: string[];
      workingDir?: string | undefined;
      env?: Record<string, string> | undefined;
      timeoutSeconds: number;
    },
  ): Promise<ExecResult>;
  /** Starts an attached, optionally interactive command; output goes to `onOutput` as it comes. */
  execSession(
    id: string,
    opts: ExecSessionOptions,
    onOutput: (stream: "stdout" | "stderr", chunk: Buffer) => void,
  ): Promise<ExecSessionHandle>;
  /** Streams logs; resolves when the stream ends (immediately after the backlog unless follow). */
  logs(
    id: string,
    opts: { follow: boolean; tail: number; since?: string | undefined; until?: string | undefined },
    onLine: (line: LogLine) => void,
    signal: AbortSignal,
  ): Promise<void>;
  stats(id: string): Promise<ContainerStats>;
  /** Counts of all containers on the host (not only Syntra's), for the heartbeat. */
  containerCounts(): Promise<{ running: number; stopped: number; total: number }>;
}
