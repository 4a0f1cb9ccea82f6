import { networkInterfaces } from "node:os";
import Dockerode from "dockerode";
import { AgentError } from "../errors";
import { execExitCode, killExec, startDockerExecSession } from "./docker-exec-session";
import { ensureImage, type PullAuth } from "./docker-images";
import { CappedBuffer, DockerDemuxer, LogLineParser, toUnixSeconds } from "./docker-stream";
import {
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerStats,
  type ExecResult,
  type ExecSessionHandle,
  type ExecSessionOptions,
  LABELS,
  type LogLine,
} from "./types";

// Exec output is sent back in one command_response: a runaway command must not fill the agent's memory.
const MAX_EXEC_OUTPUT_BYTES = 1024 * 1024;
// The exit code `timeout(1)` reports, so a timed-out exec reads the same as one cut by coreutils.
const TIMEOUT_EXIT_CODE = 124;

/** "256m" / "1g" / "512k" / "1048576b" -> bytes (powers of 1024, like Docker). */
export function parseMemoryLimit(limit: string): number {
  const match = /^(\d+)([bkmg])$/i.exec(limit.trim());
  if (!match?.[1] || !match[2]) throw new AgentError("VALIDATION_ERROR", `Invalid memory limit "${limit}"`);
  const power = { b: 0, k: 1, m: 2, g: 3 }[match[2].toLowerCase() as "b" | "k" | "m" | "g"];
  return Number(match[1]) * 1024 ** power;
}

/** "0.5" CPUs -> Docker's NanoCpus. */
export function parseCpuLimit(limit: string): number {
  const cpus = Number(limit);
  if (!Number.isFinite(cpus) || cpus <= 0) throw new AgentError("VALIDATION_ERROR", `Invalid CPU limit "${limit}"`);
  return Math.round(cpus * 1e9);
}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function notFound(id: string, err: unknown): AgentError {
  return new AgentError("CONTAINER_NOT_FOUND", `No container ${id}`, { cause: err });
}

/** The first host address of an IPv4 subnet ("10.213.0.0/24" -> "10.213.0.1"). */
function firstHost(subnet: string): string {
  const [address = "", bits = "32"] = subnet.split("/");
  const value = address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  const first = Math.floor(value / size) * size + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256).join(".");
}

/** `host.docker.internal` resolves, in every Syntra container, to the host (Docker's host-gateway, 20.10+). */
export const HOST_GATEWAY_ENTRY = "host.docker.internal:host-gateway";

/** The `ContainerRuntime` over Docker's Engine API (dockerode on the unix socket); never the docker CLI. */
export class DockerRuntime implements ContainerRuntime {
  readonly docker: Dockerode;
  private readonly networkLocks = new Map<string, Promise<void>>();

  constructor(options: { socketPath?: string } = {}) {
    this.docker = new Dockerode({ socketPath: options.socketPath ?? "/var/run/docker.sock" });
  }

  /** The default bridge network's gateway (docker0's address, what host-gateway maps to); null without one. */
  async bridgeGateway(): Promise<string | null> {
    try {
      const bridge = (await this.docker.getNetwork("bridge").inspect()) as {
        IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] };
        Options?: Record<string, string>;
      };
      const gateway = bridge.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
      if (gateway) return gateway;
      const name = bridge.Options?.["com.docker.network.bridge.name"] ?? "docker0";
      const listed = networkInterfaces()[name]?.find((a) => a.family === "IPv4")?.address;
      if (listed) return listed;
      const subnet = bridge.IPAM?.Config?.map((c) => c.Subnet).find((n) => n && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(n));
      return subnet ? firstHost(subnet) : null;
    } catch {
      return null;
    }
  }

  async version(): Promise<{ name: "docker"; version: string }> {
    const v = await this.docker.version();
    return { name: "docker", version: v.Version };
  }

  /** See `ensureImage` in docker-images.ts for when a pull is skipped. */
  ensureImage(
    image: { ref: string; digest?: string | undefined },
    auth: PullAuth | null,
    onProgress?: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return ensureImage(this.docker, image, auth, onProgress, signal);
  }

  /** Creates a user-defined bridge network once; concurrent callers in this process share the creation. */
  ensureNetwork(name: string): Promise<void> {
    const pending = this.networkLocks.get(name);
    if (pending) return pending;
    const creation = this.createNetworkIfMissing(name).finally(() => this.networkLocks.delete(name));
    this.networkLocks.set(name, creation);
    return creation;
  }

  private async createNetworkIfMissing(name: string): Promise<void> {
    // The name filter matches substrings: compare exactly.
    const existing = await this.docker.listNetworks({ filters: { name: [name] } });
    if (existing.some((n) => n.Name === name)) return;
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: "bridge",
        CheckDuplicate: true,
        Labels: { [LABELS.managed]: "true" },
      });
    } catch (err) {
      if (statusCode(err) !== 409) throw err;
    }
  }

  async run(spec: ContainerSpec): Promise<ContainerInfo> {
    const portKey = `${spec.port}/tcp`;
    let container: Dockerode.Container;
    try {
      container = await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
        // Ours last, so a payload label cannot pretend a container is (or is not) managed.
        Labels: { ...spec.labels, [LABELS.port]: String(spec.port), [LABELS.managed]: "true" },
        ExposedPorts: { [portKey]: {} },
        HostConfig: {
          // No port is published: the proxy reaches the app at the container's address on its network. A
          // published port would put a docker-proxy process (~3.5 MB) and one more copy of every byte in between.
          RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
          // The agent's OTLP receivers listen on the Docker bridge's gateway: apps reach them by this name.
          ExtraHosts: [HOST_GATEWAY_ENTRY],
          NetworkMode: spec.network.name,
          ...(spec.cpuLimit ? { NanoCpus: parseCpuLimit(spec.cpuLimit) } : {}),
          ...(spec.memoryLimit ? { Memory: parseMemoryLimit(spec.memoryLimit) } : {}),
          Mounts: (spec.volumes ?? []).map((v) => ({
            Type: v.host_path ? ("bind" as const) : ("volume" as const),
            Source: v.host_path ?? v.name,
            Target: v.container_path,
            ReadOnly: v.read_only,
          })),
        },
        NetworkingConfig: { EndpointsConfig: { [spec.network.name]: { Aliases: spec.network.aliases } } },
      });
    } catch (err) {
      if (statusCode(err) === 404) {
        throw new AgentError("IMAGE_NOT_FOUND", `Image ${spec.image} is not on this host`, { cause: err });
      }
      throw err;
    }
    try {
      await container.start();
      const info = await this.inspect(container.id);
      if (!info) throw new AgentError("CONTAINER_NOT_FOUND", `Container ${spec.name} vanished after start`);
      return info;
    } catch (err) {
      // A container that cannot start is not left behind to collide with the next attempt's name.
      await container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** Stops gracefully (SIGTERM, then SIGKILL after `timeoutSeconds`); a stopped container is left as is. */
  async stop(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutSeconds });
    } catch (err) {
      if (statusCode(err) === 304) return;
      if (statusCode(err) === 404) throw notFound(id, err);
      throw err;
    }
  }

  /** Removes the container (killing it if running) and its anonymous volumes; one already gone is no error. */
  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      // 404: already gone; 409: Docker is already removing it.
      if (statusCode(err) === 404 || statusCode(err) === 409) return;
      throw err;
    }
  }

  /** Restarts, or starts a stopped container. Its address may change: read `address` again. */
  async restart(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).restart({ t: timeoutSeconds });
    } catch (err) {
      if (statusCode(err) === 404) throw notFound(id, err);
      throw err;
    }
  }

  async inspect(id: string): Promise<ContainerInfo | null> {
    try {
      return toContainerInfo(await this.docker.getContainer(id).inspect());
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw err;
    }
  }

  async list(filter: { serviceId?: string } = {}): Promise<ContainerInfo[]> {
    const label = [`${LABELS.managed}=true`];
    if (filter.serviceId) label.push(`${LABELS.serviceId}=${filter.serviceId}`);
    const found = await this.docker.listContainers({ all: true, filters: { label } });
    const infos = await Promise.all(found.map((c) => this.inspect(c.Id)));
    // Removed between the list and the inspect: gone, not an error.
    return infos.filter((info): info is ContainerInfo => info !== null);
  }

  /**
   * Runs argv in the container (no shell). After `timeoutSeconds` the command's process is killed when the
   * agent shares the host's PID namespace (it runs as root on the host), else abandoned; either way the result
   * has exit code 124 and error TIMEOUT. Each stream keeps its first MiB.
   */
  async exec(
    id: string,
    cmd: {
      argv: string[];
      workingDir?: string | undefined;
      env?: Record<string, string> | undefined;
      timeoutSeconds: number;
    },
  ): Promise<ExecResult> {
    let exec: Dockerode.Exec;
    try {
      exec = await this.docker.getContainer(id).exec({
        Cmd: cmd.argv,
        AttachStdout: true,
        AttachStderr: true,
        ...(cmd.workingDir ? { WorkingDir: cmd.workingDir } : {}),
        ...(cmd.env ? { Env: Object.entries(cmd.env).map(([k, v]) => `${k}=${v}`) } : {}),
      });
    } catch (err) {
      if (statusCode(err) === 404) throw notFound(id, err);
      if (statusCode(err) === 409) throw new AgentError("CONTAINER_NOT_RUNNING", `Container ${id} is not running`);
      throw err;
    }
    const stdout = new CappedBuffer(MAX_EXEC_OUTPUT_BYTES);
    const stderr = new CappedBuffer(MAX_EXEC_OUTPUT_BYTES);
    const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream & { destroy(): void };
    const demux = new DockerDemuxer((name, chunk) => (name === "stdout" ? stdout : stderr).push(chunk));
    stream.on("data", (chunk: Buffer) => demux.push(chunk));
    const finished = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), cmd.timeoutSeconds * 1000);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      stream.once("end", done);
      stream.once("close", done);
      stream.once("error", done);
    });
    if (!finished) {
      await killExec(exec, stream);
      return {
        exitCode: TIMEOUT_EXIT_CODE,
        stdout: stdout.text(),
        stderr: stderr.text(),
        error: { code: "TIMEOUT", message: `Command did not finish within ${cmd.timeoutSeconds}s` },
      };
    }
    return { exitCode: await execExitCode(exec), stdout: stdout.text(), stderr: stderr.text() };
  }

  /** See `startDockerExecSession`. */
  execSession(
    id: string,
    opts: ExecSessionOptions,
    onOutput: (stream: "stdout" | "stderr", chunk: Buffer) => void,
  ): Promise<ExecSessionHandle> {
    return startDockerExecSession(this.docker, id, opts, onOutput);
  }

  async logs(
    id: string,
    opts: { follow: boolean; tail: number; since?: string | undefined; until?: string | undefined },
    onLine: (line: LogLine) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const container = this.docker.getContainer(id);
    let tty: boolean;
    try {
      tty = (await container.inspect()).Config.Tty;
    } catch (err) {
      if (statusCode(err) === 404) throw notFound(id, err);
      throw err;
    }
    if (signal.aborted) return;
    const parser = new LogLineParser(onLine);
    const demux = new DockerDemuxer((name, chunk) => parser.push(name, chunk), tty);
    const base = {
      stdout: true,
      stderr: true,
      timestamps: true,
      tail: opts.tail,
      since: toUnixSeconds(opts.since),
      until: toUnixSeconds(opts.until),
      abortSignal: signal,
    };
    try {
      if (!opts.follow) {
        demux.push(await container.logs({ ...base, follow: false }));
      } else {
        const stream = await container.logs({ ...base, follow: true });
        await new Promise<void>((resolve, reject) => {
          stream.on("data", (chunk: Buffer) => demux.push(chunk));
          stream.once("end", resolve);
          stream.once("close", resolve);
          stream.once("error", (err) => (signal.aborted ? resolve() : reject(err)));
        });
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
    parser.flush();
  }

  /** One sample; CPU with the docker CLI's formula (100% = one core), memory without the page cache. */
  async stats(id: string): Promise<ContainerStats> {
    let s: Dockerode.ContainerStats;
    try {
      s = await this.docker.getContainer(id).stats({ stream: false });
    } catch (err) {
      if (statusCode(err) === 404) throw notFound(id, err);
      throw err;
    }
    const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
    const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
    const memory = s.memory_stats ?? { usage: 0 };
    const stats = (memory.stats ?? {}) as Record<string, number | undefined>;
    // cgroup v1 reports total_inactive_file, v2 inactive_file; the CLI subtracts whichever exists.
    const cache = stats.total_inactive_file ?? stats.inactive_file ?? 0;
    const used = Math.max(0, (memory.usage ?? 0) - cache);
    return { cpuPercent, memoryMb: used / (1024 * 1024) };
  }

  async containerCounts(): Promise<{ running: number; stopped: number; total: number }> {
    const all = await this.docker.listContainers({ all: true });
    const running = all.filter((c) => c.State === "running").length;
    return { running, stopped: all.length - running, total: all.length };
  }
}

function toContainerInfo(data: Dockerode.ContainerInspectInfo): ContainerInfo {
  const running = data.State.Running;
  const networks = data.NetworkSettings.Networks ?? {};
  // The network Syntra created the container on (its NetworkMode), else any it has an address on.
  const ip =
    networks[data.HostConfig.NetworkMode ?? ""]?.IPAddress ||
    Object.values(networks).find((n) => n.IPAddress)?.IPAddress ||
    null;
  const port = appPort(data);
  const startedAt = data.State.StartedAt;
  return {
    id: data.Id,
    name: data.Name.replace(/^\//, ""),
    image: data.Config.Image,
    labels: data.Config.Labels ?? {},
    state: data.State.Status as ContainerInfo["state"],
    address: running && ip && port ? `${ip}:${port}` : null,
    networkIp: (running && ip) || null,
    restartCount: data.RestartCount,
    // Docker's zero time means "never started".
    startedAt: startedAt && !startedAt.startsWith("0001-") ? startedAt : null,
  };
}

/**
 * The port the app listens on: Syntra's label, or, on containers created before the label existed, the one port
 * they published (the image's own EXPOSE lines make ExposedPorts ambiguous).
 */
function appPort(data: Dockerode.ContainerInspectInfo): number | null {
  const labelled = Number(data.Config.Labels?.[LABELS.port]);
  if (Number.isInteger(labelled) && labelled > 0) return labelled;
  const published = Object.keys(data.HostConfig.PortBindings ?? {})[0];
  const port = published ? Number.parseInt(published, 10) : Number.NaN;
  return Number.isInteger(port) && port > 0 ? port : null;
}
