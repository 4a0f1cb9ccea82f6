import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const agentEntry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../agent/src/main.ts");

let building: Promise<string> | undefined;

/**
 * The agent as one CommonJS file for the system's Node (what install/agent.sh downloads and the local agent
 * runs), built with esbuild on first use and kept in `<dataDir>/agent/`. Native optional add-ons of the
 * Docker client's SSH transport are left out; the agent talks to Docker over its unix socket.
 */
export function agentBundle(dataDir: string): Promise<string> {
  building ??= (async () => {
    const { build } = await import("esbuild");
    const outfile = path.join(dataDir, "agent", "syntra-agent.cjs");
    await fs.mkdir(path.dirname(outfile), { recursive: true });
    await build({
      entryPoints: [agentEntry],
      outfile,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      minify: true,
      // The native zstd (an N-API add-on) is loaded at run time when a node_modules holds it; elsewhere the agent
      // compresses its telemetry batches with gzip (see @syntra/otlp's zstd.ts).
      external: ["cpu-features", "*.node", "@mongodb-js/zstd"],
      logLevel: "error",
      banner: { js: "#!/usr/bin/env node" },
    });
    await fs.chmod(outfile, 0o755);
    return outfile;
  })().catch((err: unknown) => {
    building = undefined;
    throw err;
  });
  return building;
}
