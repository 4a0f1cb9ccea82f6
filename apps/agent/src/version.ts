/** The agent's release, sent as X-Agent-Version and in agent_hello. */
export const AGENT_VERSION = "0.2.0";

/** Protocol versions this agent speaks (interface contracts 4.2). */
export const AGENT_PROTOCOL = { current: "1.0", minSupported: "1.0" } as const;

/** Named in agent_hello's capabilities when this agent can replace itself (installed bundle, enrolled). */
export const SELF_UPDATE_CAPABILITY = "self_update";
