import type { StackName } from "../../builds/builder/stacks/stack";

/** What no image needs and some must never hold, whatever the stack. */
const ALWAYS = [".git", ".env", ".env.*", "*.pem", "*.key", "id_rsa*", ".npmrc", ".pypirc", ".netrc"];
const BY_STACK: Record<StackName, string[]> = {
  node: ["node_modules", "npm-debug.log*", "coverage", ".next/cache"],
  static: ["node_modules", "npm-debug.log*", "coverage"],
  python: ["__pycache__", "*.pyc", ".venv", "venv", ".pytest_cache"],
  go: [],
};

/**
 * The .dockerignore to commit with a generated Dockerfile when the repository has none: `COPY . .` would
 * otherwise put .env files, keys and local dependency folders into the image. Files the snapshot withheld as
 * secrets are named too (a secret under another name).
 */
export function suggestedDockerignore(stack: StackName | null, withheld: string[]): string {
  const lines = [...ALWAYS, ...(stack ? BY_STACK[stack] : []), ...withheld];
  return `${[...new Set(lines)].join("\n")}\n`;
}
