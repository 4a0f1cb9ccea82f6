import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eventually } from "@syntra/testing/eventually";
import { freePorts } from "@syntra/testing/ports";
import { ensureServerBuild, serverMain } from "../../../../scripts/build-server";

/** A control plane running as the product does (the compiled `main.js`), in a process of its own. */
export interface ReplicaProcess {
  child: ChildProcess;
  output(): string;
  /** `http://127.0.0.1:<port>`: the API and the agents' /agent/ws. */
  baseUrl: string;
  agentUrl: string;
  /** The port of its mutual-TLS agent endpoint. */
  agentTlsPort: number;
  /** SIGKILL, as a crash would, and waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts another control-plane replica on a PostgreSQL database (a test app's), with `env` (the shared master key,
 * say) on free ports and a data dir of its own, and waits until it is ready. No local agent, no build worker.
 */
export async function startReplicaProcess(databaseUrl: string, env: Record<string, string>): Promise<ReplicaProcess> {
  await ensureServerBuild();
  const [port = 0, agentTlsPort = 0] = await freePorts(2);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-replica-"));
  const child = spawn(process.execPath, [serverMain], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SYNTRA_DATA_DIR: dataDir,
      SYNTRA_PORT: String(port),
      SYNTRA_AGENT_TLS_PORT: String(agentTlsPort),
      SYNTRA_LOCAL_AGENT: "false",
      SYNTRA_BUILDS: "false",
      SYNTRA_LOG_FORMAT: "json",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await eventually(
    () => {
      if (child.exitCode !== null) throw new Error(`the replica exited with ${child.exitCode}: ${out.slice(-3000)}`);
      return out.includes("Syntra control plane ready");
    },
    { what: "the replica ready", timeoutMs: 120_000, diagnostic: () => out.slice(-3000) },
  );
  return {
    child,
    output: () => out,
    baseUrl: `http://127.0.0.1:${port}`,
    agentUrl: `ws://127.0.0.1:${port}/agent/ws`,
    agentTlsPort,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
