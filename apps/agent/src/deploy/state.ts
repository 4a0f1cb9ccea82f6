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

/**
 * Service states as one JSON file per service under `<stateDir>/services`, written atomically, mode 0600.
 *
 * The store is the directory's only writer while the agent runs, so it keeps each file's text as it last read or
 * wrote it and reads the directory once: the health monitor and the metrics scraper list every state once a
 * second, and reading the files each time (a file handle, buffers and strings per service per pass) was most of
 * what an idle agent allocated. Each load still parses the text: callers get a state of their own to change.
 */
export class StateStore {
  private readonly dir: string;
  /** Each known service's file text; a service without a file is not in it. Filled by the first list(). */
  private readonly texts = new Map<string, string>();
  private listed = false;
  /** Saves and removes so far: a read that one overtook does not fill the map. */
  private writes = 0;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, "services");
  }

  /** The service's state, or an empty one for a service never seen. */
  async load(serviceId: string): Promise<ServiceState> {
    checkServiceId(serviceId);
    let text = this.texts.get(serviceId);
    if (text === undefined && !this.listed) {
      const writes = this.writes;
      try {
        text = await readFile(this.fileOf(serviceId), "utf8");
        // A save or remove while the file was read has the newer word.
        if (writes === this.writes) this.texts.set(serviceId, text);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    if (text === undefined) {
      return { serviceId, current: null, previous: null, healthCheck: null, inProgress: null, stopped: false };
    }
    return JSON.parse(text) as ServiceState;
  }

  /** Writes a temporary file, syncs it and renames it over the old one: a crash leaves one or the other. */
  async save(state: ServiceState): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(state.serviceId);
    const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    const text = JSON.stringify(state, null, 2);
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    this.writes++;
    this.texts.set(state.serviceId, text);
  }

  /** Whether the service has a state here: a deploy of it reached this host (and it was not removed since). */
  async has(serviceId: string): Promise<boolean> {
    if (!serviceIdPattern.test(serviceId)) return false;
    if (this.texts.has(serviceId)) return true;
    if (this.listed) return false;
    return access(this.fileOf(serviceId)).then(
      () => true,
      () => false,
    );
  }

  async remove(serviceId: string): Promise<void> {
    await rm(this.fileOf(serviceId), { force: true });
    this.writes++;
    this.texts.delete(serviceId);
  }

  /** Every stored service state; leftover temporary files are ignored. */
  async list(): Promise<ServiceState[]> {
    if (!this.listed) {
      let names: string[] = [];
      try {
        names = await readdir(this.dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      const ids = names.filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -".json".length));
      // Read before `listed` is set, so that load() reads each file rather than taking it for absent.
      await Promise.all(ids.filter((id) => serviceIdPattern.test(id)).map((id) => this.load(id)));
      this.listed = true;
    }
    return Promise.all([...this.texts.keys()].map((id) => this.load(id)));
  }

  private fileOf(serviceId: string): string {
    checkServiceId(serviceId);
    return path.join(this.dir, `${serviceId}.json`);
  }
}

/** The id becomes a file name: nothing that could leave the directory. */
function checkServiceId(serviceId: string): void {
  if (!serviceIdPattern.test(serviceId)) {
    throw new AgentError("VALIDATION_ERROR", `Invalid service id ${JSON.stringify(serviceId)}`);
  }
}
