import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const script = path.resolve(import.meta.dirname, "../../../../../../scripts/services/registry.sh");

/** The htpasswd-protected registry of scripts/services/registry.sh (started here when it is not running). */
export interface TestRegistry {
  address: string;
  username: string;
  password: string;
}

export async function testRegistry(): Promise<TestRegistry> {
  const { stdout } = await run("bash", [script, "start"]);
  const envFile = stdout.trim().split("\n").at(-1) ?? "";
  const vars = Object.fromEntries(
    (await readFile(envFile, "utf8"))
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const {
    SYNTRA_TEST_REGISTRY: address,
    SYNTRA_TEST_REGISTRY_USERNAME: username,
    SYNTRA_TEST_REGISTRY_PASSWORD: password,
  } = vars;
  if (!address || !username || !password) throw new Error(`${envFile} lacks the registry's address or credentials`);
  return { address, username, password };
}

/** The manifest digest the registry holds for repository:tag, asked over its HTTP API. */
export async function registryDigest(reg: TestRegistry, repository: string, tag: string): Promise<string | null> {
  const res = await fetch(`http://${reg.address}/v2/${repository}/manifests/${tag}`, {
    method: "HEAD",
    headers: {
      authorization: `Basic ${Buffer.from(`${reg.username}:${reg.password}`).toString("base64")}`,
      accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json",
    },
  });
  return res.ok ? res.headers.get("docker-content-digest") : null;
}
