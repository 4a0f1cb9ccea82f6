// The agent's entry point (`node main.ts`, bin/syntra-agent.mjs, the installed bundle). The upstream DNS daemon
// runs from the same file (`--upstream-dns ...`); each path loads only its own modules, so the daemon stays small.
import { DAEMON_FLAG } from "./proxy/upstream-dns-flag";

async function main(): Promise<void> {
  const daemon = process.argv.indexOf(DAEMON_FLAG);
  if (daemon !== -1) {
    const { runUpstreamDnsDaemon } = await import("./proxy/upstream-dns-daemon");
    await runUpstreamDnsDaemon(process.argv.slice(daemon + 1));
    return;
  }
  if (process.argv.includes("--version")) {
    const { AGENT_VERSION } = await import("./version");
    process.stdout.write(`${AGENT_VERSION}\n`);
    return;
  }
  const { AgentConfigError, loadAgentConfig } = await import("./config");
  let config: import("./config").AgentConfig;
  try {
    config = loadAgentConfig();
  } catch (err) {
    if (err instanceof AgentConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { startAgent } = await import("./agent");
  const agent = await startAgent(config);
  const stop = () => void agent.stop().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

// Run when executed (node main.ts, or the bundle), not when imported.
if (process.argv[1] && /(main\.ts|syntra-agent(\.next)?(\.cjs|\.mjs)?)$/.test(process.argv[1])) {
  main().catch((err: unknown) => {
    const daemon = process.argv.includes(DAEMON_FLAG);
    process.stderr.write(
      `syntra-agent${daemon ? " (upstream DNS)" : ""}: could not start: ${(err as Error).message}\n`,
    );
    process.exit(1);
  });
}
