import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse, stringify } from "smol-toml";
import { z } from "zod";
import { CliError, EXIT } from "../exit-codes";

/** One control plane the CLI talks to, with the credential for it. */
export const contextSchema = z.object({
  url: z.string(),
  /** The API token (`syn_usr_…`); never printed. */
  token: z.string().optional(),
  /** How the token came: `device` (syn login, revoked by syn logout) or `token` (given by hand). */
  token_source: z.enum(["device", "token"]).optional(),
  /** The organization commands act in (id); the token's or the user's first when unset. */
  org: z.string().optional(),
  /** Who logged in, for `syn context list`. */
  user: z.string().optional(),
});
export type Context = z.infer<typeof contextSchema>;

const configSchema = z.object({
  current_context: z.string().optional(),
  contexts: z.record(z.string(), contextSchema).default({}),
});
export type CliConfig = z.infer<typeof configSchema>;

const HEADER =
  "# syn CLI settings: one [contexts.<name>] per control plane. Holds API tokens: keep it private (0600).\n";

/** `~/.syntra` (or `SYNTRA_CONFIG_DIR`): where config.toml lives. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SYNTRA_CONFIG_DIR || path.join(os.homedir(), ".syntra");
}

/** The config file's path. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), "config.toml");
}

/** Reads the config file; an absent file is an empty config, a broken one an error naming the file. */
export function readConfig(file = configPath()): CliConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { contexts: {} };
    throw err;
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid TOML: ${(err as Error).message.split("\n")[0]}`, EXIT.usage);
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${file}: ${issue?.path.join(".")}: ${issue?.message}`, EXIT.usage);
  }
  return parsed.data;
}

/**
 * Writes the config file readable by its owner only (0600, in a 0700 folder): written to a temporary file
 * created 0600 and renamed over the old one, so a crash never leaves half a file and the token is never readable
 * by others, not even for a moment.
 */
export function writeConfig(config: CliConfig, file = configPath()): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.config.toml.${process.pid}.tmp`);
  const body = HEADER + stringify(configSchema.parse(config) as Record<string, unknown>);
  fs.writeFileSync(temp, body, { mode: 0o600 });
  fs.renameSync(temp, file);
  // An older file may have been wider open: the rename kept the new file's 0600, the folder is made 0700.
  fs.chmodSync(dir, 0o700);
}

/** The name of the context in use: `--context`, then `SYNTRA_CONTEXT`, then the file's current one, then `default`. */
export function contextName(config: CliConfig, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.SYNTRA_CONTEXT || config.current_context || "default";
}
