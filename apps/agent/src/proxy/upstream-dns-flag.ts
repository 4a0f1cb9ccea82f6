/** The argument that makes the agent's entry point run the upstream DNS daemon instead of the agent. */
export const DAEMON_FLAG = "--upstream-dns";
