// The agent's entry point (`node main.ts`, bin/syntra-agent.mjs, the installed bundle). Each path loads only
// the modules it runs (`--version` does not load the agent).

async function main(): Promise<void> {
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
    process.stderr.write(`syntra-agent: could not start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
