// The agent's entry point (`node main.ts`, bin/syntra-agent.mjs, the installed bundle).
//
// The imports are static on purpose. In the bundle, a module reached through `import()` is wrapped for lazy
// initialisation together with everything it imports, and esbuild then keeps every export of @syntra/contracts,
// the control plane's API schemas included (~600 zod schemas, ~5 MB of the agent's idle heap). Static imports let
// it keep only the schemas the agent uses. `--version` therefore initialises the modules too, but starts nothing.

import { startAgent } from "./agent";
import { type AgentConfig, AgentConfigError, loadAgentConfig } from "./config";
import { useIsoTimestampsWithoutIcu } from "./iso-timestamps";
import { AGENT_VERSION } from "./version";

async function main(): Promise<void> {
  if (process.argv.includes("--version")) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return;
  }
  useIsoTimestampsWithoutIcu();
  let config: AgentConfig;
  try {
    config = loadAgentConfig();
  } catch (err) {
    if (err instanceof AgentConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const agent = await startAgent(config);
  const stop = () => void agent.stop().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

// Run when executed (node main.ts, or the bundle), not when imported.
if (process.argv[1] && /(main\.ts|syntra-agent(\.next)?(\.cjs|\.mjs)?)$/.test(process.argv[1])) {
  main().catch((err: unknown) => {
    process.stderr.write(`syntra-agent: could not start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
