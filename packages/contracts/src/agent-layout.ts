/**
 * How an installed agent keeps its bundles, shared by the installer and the local agent's supervisor (which write
 * the launcher) and the agent (which stages and commits updates). The launcher runs `next` once, on trial, when
 * one is staged and not tried yet; otherwise `current`. The known-good bundle is only replaced, by an atomic rename,
 * once the new version has connected; a trial that crashes or gives up leaves `current` to run at the next start.
 */
export const BUNDLE_FILES = {
  current: "syntra-agent.cjs",
  next: "syntra-agent.next.cjs",
  tried: "syntra-agent.next.tried",
  previous: "syntra-agent.previous.cjs",
  launcher: "run-agent",
} as const;

/**
 * The launcher (POSIX sh) that systemd and the local agent's supervisor run, for a node binary, its flags and the
 * environment it adds for Node (names are shell variable names; values are quoted).
 */
export function renderAgentLauncher(
  node: string,
  nodeFlags: readonly string[],
  nodeEnv: Readonly<Record<string, string>> = {},
): string {
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  const flags = nodeFlags.map(quote).join(" ");
  const quotedNode = quote(node);
  const exports = Object.entries(nodeEnv).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a variable name: ${name}`);
    return `export ${name}=${quote(value)}\n`;
  });
  return `#!/bin/sh
# Runs the Syntra agent: a staged update once, on trial; otherwise the current bundle. A trial that connects makes
# itself current; one that crashes or gives up leaves the current bundle to run at the next start.
${exports.join("")}dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
if [ -f "$dir/${BUNDLE_FILES.next}" ] && [ ! -e "$dir/${BUNDLE_FILES.tried}" ]; then
  : > "$dir/${BUNDLE_FILES.tried}"
  exec ${quotedNode} ${flags} "$dir/${BUNDLE_FILES.next}"
fi
exec ${quotedNode} ${flags} "$dir/${BUNDLE_FILES.current}"
`;
}

/** Files in an agent's state dir that its supervisor may read: the enrolment grant (certificate, CA, endpoint). */
export const AGENT_STATE_FILES = { grant: "tls/grant.json" } as const;
