import { randomBytes } from "node:crypto";
import { access, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { DeployPayload, DeployStrategy, HealthCheckConfig } from "@syntra/contracts";
import { AgentError } from "../errors";

/** One version of a service on this host: the deploy payload it came from and its containers. */
export interface Generation {
  /** The whole payload, env included (decrypted): the reason state files are 0600. */
  deployment: DeployPayload;
  containerIds: string[];
}

/** Written before a deploy touches anything; still there at start-up means the agent died mid-deploy. */
export interface InProgressMarker {
  deploymentId: string;
  startedAt: string;
  strategy: DeployStrategy;
}

/** What the agent remembers of a service between restarts. */
export interface ServiceState {
  serviceId: string;
  /** The version serving (or meant to serve) traffic. */
  current: Generation | null;
  /** The version before it: containers stopped, image kept, for a fast rollback. */
  previous: Generation | null;
  /** Set by configure_health_check or the last deploy that carried one. */
  healthCheck: HealthCheckConfig | null;
  inProgress: InProgressMarker | null;
  /** Stopped on purpose (the stop command): not restarted nor routed until a deploy, scale or restart. */
  stopped: boolean;
}

const serviceIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Service states as one JSON file per service under `<stateDir>/services`, written atomically, mode 0600. */
export class StateStore {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, "services");
  }

  /** The service's state, or an empty one for a service never seen. */
  async load(serviceId: string): Promise<ServiceState> {
    try {
      return JSON.parse(await readFile(this.fileOf(serviceId), "utf8")) as ServiceState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      return { serviceId, current: null, previous: null, healthCheck: null, inProgress: null, stopped: false };
    }
  }

  /** Writes a temporary file, syncs it and renames it over the old one: a crash leaves one or the other. */
  async save(state: ServiceState): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(state.serviceId);
    const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.writeFile(JSON.stringify(state, null, 2));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  }

  /** Whether the service has a state here: a deploy of it reached this host (and it was not removed since). */
  async has(serviceId: string): Promise<boolean> {
    if (!serviceIdPattern.test(serviceId)) return false;
    return access(this.fileOf(serviceId)).then(
      () => true,
      () => false,
    );
  }

  async remove(serviceId: string): Promise<void> {
    await rm(this.fileOf(serviceId), { force: true });
  }

  /** Every stored service state; leftover temporary files are ignored. */
  async list(): Promise<ServiceState[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const ids = names.filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -".json".length));
    return Promise.all(ids.map((id) => this.load(id)));
  }

  private fileOf(serviceId: string): string {
    // The id becomes a file name: nothing that could leave the directory.
    if (!serviceIdPattern.test(serviceId)) {
      throw new AgentError("VALIDATION_ERROR", `Invalid service id ${JSON.stringify(serviceId)}`);
    }
    return path.join(this.dir, `${serviceId}.json`);
  }
}
