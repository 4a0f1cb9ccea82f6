import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { BuildError } from "./errors";

/** How the builder authenticates to the git host. */
export type GitAuth =
  | {
      kind: "token";
      token: string /** defaults to "x-access-token" (GitHub); GitLab and Gitea take any */;
      username?: string;
    }
  | { kind: "ssh_key"; privateKeyPem: string };

export type RepoTransport = "https" | "http" | "ssh" | "file";

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/;

/**
 * Which transport a repository URL uses, refusing anything else: git's `ext::` and `fd::` transports run
 * commands, and a URL starting with "-" would be read as an option.
 */
export function repoTransport(url: string): RepoTransport {
  if (url.startsWith("-") || /[\s\p{Cc}]/u.test(url)) throw invalidUrl(url);
  if (SCP_LIKE.test(url)) return "ssh";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidUrl(url);
  }
  switch (parsed.protocol) {
    case "https:":
    case "http:":
    case "ssh:":
      if (!parsed.hostname) throw invalidUrl(url);
      return parsed.protocol.slice(0, -1) as RepoTransport;
    case "file:":
      if (parsed.host !== "" || !path.isAbsolute(decodeURIComponent(parsed.pathname))) throw invalidUrl(url);
      return "file";
    default:
      throw invalidUrl(url);
  }
}

/** The URL without a password or token someone may have written into it, for logs and messages. */
export function displayUrl(url: string): string {
  if (SCP_LIKE.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(invalid URL)";
  }
}

/** Refuses refs git would read as options or reject anyway (a SHA or a branch name). */
export function checkRef(ref: string): void {
  const ok =
    ref.length > 0 &&
    ref.length <= 255 &&
    !ref.startsWith("-") &&
    !ref.includes("..") &&
    !ref.endsWith("/") &&
    !ref.endsWith(".lock") &&
    /^[A-Za-z0-9._/+-]+$/.test(ref);
  if (!ok) throw new BuildError("INVALID_REQUEST", `"${ref.slice(0, 80)}" is not a commit SHA or branch name`);
}

/** A ref that could be an abbreviated or full commit SHA. */
export function looksLikeSha(ref: string): boolean {
  return /^[0-9a-f]{4,64}$/i.test(ref);
}

/**
 * The environment git runs with: nothing of the control plane's own (its database URL and keys stay out of
 * git's hooks, helpers and ssh), no prompts, no system or user config, only the transports Syntra allows, and the
 * credentials for this repository. Secrets go through the environment or a 0600 file, never argv or the URL, so
 * they are in no process listing and no logged command line.
 */
export async function gitEnvironment(opts: {
  auth: GitAuth | undefined;
  /** A private directory outside the build context for the key file and git's HOME. */
  secretsDir: string;
  knownHostsFile: string;
  pathVariable: string;
}): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    PATH: opts.pathVariable,
    HOME: opts.secretsDir,
    LANG: "C",
    LC_ALL: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ALLOW_PROTOCOL: "file:http:https:ssh",
    GIT_SSH_COMMAND: sshCommand(null, opts.knownHostsFile),
  };
  const config: [string, string][] = [
    // An empty helper first resets any inherited list of helpers.
    ["credential.helper", ""],
    ["protocol.file.allow", "always"],
  ];
  if (opts.auth?.kind === "token") {
    env.SYNTRA_GIT_USERNAME = opts.auth.username ?? "x-access-token";
    env.SYNTRA_GIT_TOKEN = opts.auth.token;
    config.push([
      "credential.helper",
      '!f() { test "$1" = get || exit 0; echo "username=$SYNTRA_GIT_USERNAME"; echo "password=$SYNTRA_GIT_TOKEN"; }; f',
    ]);
  } else if (opts.auth?.kind === "ssh_key") {
    const keyFile = path.join(opts.secretsDir, "deploy_key");
    const pem = opts.auth.privateKeyPem.endsWith("\n") ? opts.auth.privateKeyPem : `${opts.auth.privateKeyPem}\n`;
    await writeFile(keyFile, pem, { mode: 0o600 });
    await chmod(keyFile, 0o600);
    env.GIT_SSH_COMMAND = sshCommand(keyFile, opts.knownHostsFile);
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * ssh in batch mode (never asks), trusting a host key the first time it is seen and refusing a changed one
 * afterwards, against Syntra's own known_hosts file rather than root's.
 */
function sshCommand(keyFile: string | null, knownHostsFile: string): string {
  const args = [
    "ssh",
    "-o BatchMode=yes",
    "-o StrictHostKeyChecking=accept-new",
    `-o UserKnownHostsFile=${shellQuote(knownHostsFile)}`,
  ];
  if (keyFile) args.push(`-i ${shellQuote(keyFile)}`, "-o IdentitiesOnly=yes");
  return args.join(" ");
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function invalidUrl(url: string): BuildError {
  return new BuildError(
    "INVALID_REQUEST",
    `Repository URL ${displayUrl(url).slice(0, 200)} is not supported: use https://, http://, ssh://, git@host:path or file:///absolute/path`,
  );
}
