// A Caddy process of a test's own: only its admin API on a free loopback port, nothing routed. The agent under
// test (a real agent process, or the installed bundle) finds it at SYNTRA_CADDY_ADMIN_URL and loads its routes
// into it, as it does with the Caddy of a server. `scripts/services/caddy.sh start` installs Caddy.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { eventually } from "./eventually";
import { freePorts } from "./ports";

/** A running test Caddy and the ports chosen for the agent to serve on. */
export interface TestCaddy {
  adminUrl: string;
  /** Free ports for the agent's HTTP and HTTPS listeners (SYNTRA_PROXY_HTTP_PORT / SYNTRA_PROXY_HTTPS_PORT). */
  httpPort: number;
  httpsPort: number;
  /** Caddy's folder: its config, its data (certificates) and its log, caddy.log. */
  dir: string;
  /** Stops Caddy (whatever config the agent loaded) and removes its folder. */
  stop(): Promise<void>;
}

/** Starts Caddy with its admin API on a free loopback port; `httpPort`/`httpsPort` are kept when given. */
export async function startCaddy(options: { httpPort?: number; httpsPort?: number } = {}): Promise<TestCaddy> {
  const given = [options.httpPort, options.httpsPort].filter((p): p is number => p !== undefined);
  const [adminPort = 0, pickedHttp = 0, pickedHttps = 0] = await freePorts(3, given);
  const dir = await mkdtemp(path.join(tmpdir(), "syntra-test-caddy-"));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const config = path.join(dir, "caddy.json");
  await writeFile(config, JSON.stringify({ admin: { listen: `127.0.0.1:${adminPort}` } }));
  const log = await open(path.join(dir, "caddy.log"), "a");
  let child: ChildProcess;
  try {
    child = spawn("caddy", ["run", "--config", config], {
      stdio: ["ignore", log.fd, log.fd],
      // Certificates and autosaves stay in the test's folder, not in the user's home.
      env: { ...process.env, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    });
  } finally {
    await log.close();
  }
  const spawnFailed = new Promise<Error>((resolve) => child.once("error", resolve));
  // A binary that could not be started reports "error" and may never report "exit".
  const exited = Promise.race([new Promise<void>((resolve) => child.once("exit", () => resolve())), spawnFailed]);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      async () => {
        const failed = await Promise.race([spawnFailed, Promise.resolve(null)]);
        if (failed) throw new Error(`could not run caddy (run scripts/services/caddy.sh start): ${failed.message}`);
        if (child.exitCode !== null) throw new Error(`caddy exited with code ${child.exitCode}`);
        return (await fetch(`${adminUrl}/config/`)).ok || undefined;
      },
      {
        what: "the test Caddy's admin API",
        timeoutMs: 15_000,
        diagnostic: () => readFile(path.join(dir, "caddy.log"), "utf8").catch(() => ""),
      },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    adminUrl,
    httpPort: options.httpPort ?? pickedHttp,
    httpsPort: options.httpsPort ?? pickedHttps,
    dir,
    stop,
  };
}
