import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort } from "@syntra/testing/ports";
import { stringify } from "yaml";
import { loadTokenSigningKey } from "../signing-key";
import { TOKEN_ISSUER } from "../token-server";

const BINARY = "/usr/bin/docker-registry";

/** A Debian docker-registry process in token mode, trusting a control plane's token signer. */
export interface TokenRegistry {
  /** `127.0.0.1:<port>`, as SYNTRA_REGISTRY takes it. */
  address: string;
  /** What it printed (its log), for diagnostics. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `docker-registry serve` on loopback with `auth.token` pointing at `realm` (the control plane's
 * GET /api/v1/registry/token), `service` as its audience, and the control plane's token certificate (made
 * here in `dataDir` if it does not exist yet) as `rootcertbundle`. `port` picks the port (default: a free one).
 */
export async function startTokenRegistry(opts: {
  realm: string;
  service?: string;
  dataDir: string;
  port?: number;
}): Promise<TokenRegistry> {
  if (!existsSync(BINARY)) {
    throw new Error(`${BINARY} is missing: run 'bash scripts/services/registry.sh start' (installs docker-registry)`);
  }
  const port = opts.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-token-registry-"));
  const { certificatePath } = await loadTokenSigningKey(opts.dataDir);
  const config = {
    version: 0.1,
    log: { level: "info", accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: path.join(dir, "data") }, delete: { enabled: true } },
    http: { addr: address, secret: randomBytes(16).toString("hex") },
    auth: {
      token: {
        realm: opts.realm,
        service: opts.service ?? address,
        issuer: TOKEN_ISSUER,
        rootcertbundle: certificatePath,
      },
    },
  };
  const configPath = path.join(dir, "config.yml");
  await fs.writeFile(configPath, stringify(config));
  let out = "";
  const child: ChildProcess = spawn(BINARY, ["serve", configPath], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await fs.rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    // Up once /v2/ answers with the bearer challenge that sends clients to the realm.
    const challenge = await fetch(`http://${address}/v2/`)
      .then((r) => (r.status === 401 ? r.headers.get("www-authenticate") : null))
      .catch(() => null);
    if (challenge?.startsWith("Bearer ")) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not start on ${address}:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { address, output: () => out, stop };
}
