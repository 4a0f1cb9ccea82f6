import { verify } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { type AgentHelloPayload, BUNDLE_FILES, type UpdateAgentPayload, updateSignedText } from "@syntra/contracts";
import type { Logger } from "pino";
import { AgentError } from "../errors";
import { writeAtomically } from "../request-log";
import type { AgentCredentials } from "../tls/credentials";
import { download } from "../tls/endpoint-client";

/**
 * Where an installed agent keeps its bundles. The launcher (`run-agent`, see the install script) runs
 * `syntra-agent.next.cjs` once, on trial, when one is staged and not tried yet; otherwise `syntra-agent.cjs`. The
 * known-good bundle is only replaced (by a rename, atomic) once the new version has connected.
 */
export interface BundleLayout {
  dir: string;
  current: string;
  next: string;
  tried: string;
  previous: string;
  launcher: string;
}

/** The layout of the bundle this process runs from, or null when it cannot update itself (no launcher beside it). */
export function bundleLayout(script: string | undefined = process.argv[1]): BundleLayout | null {
  if (!script) return null;
  const dir = path.dirname(path.resolve(script));
  const name = path.basename(script);
  const layout = {
    dir,
    current: path.join(dir, BUNDLE_FILES.current),
    next: path.join(dir, BUNDLE_FILES.next),
    tried: path.join(dir, BUNDLE_FILES.tried),
    previous: path.join(dir, BUNDLE_FILES.previous),
    launcher: path.join(dir, BUNDLE_FILES.launcher),
  };
  if (name !== BUNDLE_FILES.current && name !== BUNDLE_FILES.next) return null;
  return existsSync(layout.launcher) ? layout : null;
}

/** True when this process is a staged update on trial. */
export function isTrial(layout: BundleLayout, script: string | undefined = process.argv[1]): boolean {
  return script !== undefined && path.resolve(script) === layout.next;
}

/** What the agent remembers of an update across its restart (in the state dir). */
interface PendingUpdate {
  from: string;
  to: string;
  confirm_timeout_seconds: number;
}

const pendingFile = (stateDir: string) => path.join(stateDir, "update.json");

/**
 * Downloads the bundle an update_agent names, checks its SHA-256, its Ed25519 signature by the key pinned at
 * enrolment and the version it names, then stages it as the next bundle. Nothing is staged when a check fails.
 */
export async function stageUpdate(opts: {
  layout: BundleLayout;
  creds: AgentCredentials;
  stateDir: string;
  runningVersion: string;
  payload: UpdateAgentPayload;
  logger: Logger;
}): Promise<{ from: string; to: string }> {
  const { layout, creds, payload } = opts;
  if (!payload.signature) {
    throw new AgentError("UPDATE_VERIFICATION_FAILED", "The update carries no signature; it was not installed");
  }
  const part = `${layout.next}.part`;
  try {
    let digest: string;
    try {
      digest = await download(creds, payload.download_url, part);
    } catch (err) {
      throw new AgentError("UPDATE_FAILED", `Could not download ${payload.download_url}: ${(err as Error).message}`);
    }
    if (digest !== payload.sha256) {
      throw new AgentError("UPDATE_VERIFICATION_FAILED", `The download's SHA-256 is ${digest}, not ${payload.sha256}`);
    }
    const signed = Buffer.from(updateSignedText(payload.version, payload.sha256));
    if (!verify(null, signed, creds.bundleSigningKey, Buffer.from(payload.signature, "base64"))) {
      throw new AgentError(
        "UPDATE_VERIFICATION_FAILED",
        "The bundle's signature does not match the key pinned at enrolment; it was not installed",
      );
    }
    const head = (await fs.readFile(part)).subarray(0, 200).toString("utf8");
    if (!head.includes(`// syntra-agent ${payload.version}\n`)) {
      throw new AgentError("UPDATE_VERIFICATION_FAILED", `The bundle does not name version ${payload.version}`);
    }
    const handle = await fs.open(part, "r");
    await handle.sync();
    await handle.close();
    await writeAtomically(
      pendingFile(opts.stateDir),
      JSON.stringify({
        from: opts.runningVersion,
        to: payload.version,
        confirm_timeout_seconds: payload.confirm_timeout_seconds ?? 120,
      } satisfies PendingUpdate),
    );
    await fs.rm(layout.tried, { force: true });
    await fs.rename(part, layout.next);
    opts.logger.info({ from: opts.runningVersion, to: payload.version }, "update staged; restarting into it");
    return { from: opts.runningVersion, to: payload.version };
  } finally {
    await fs.rm(part, { force: true });
  }
}

/** How long a trial may take to connect (from the staged update), in ms. */
export async function trialTimeoutMs(stateDir: string): Promise<number> {
  const pending = await readPending(stateDir);
  return (pending?.confirm_timeout_seconds ?? 120) * 1000;
}

/**
 * The trial connected: it becomes the current bundle. The replaced one is kept as the previous bundle (for a manual
 * rollback); the rename is atomic, so the launcher always finds a whole bundle.
 */
export async function commitTrial(layout: BundleLayout, stateDir: string): Promise<void> {
  await fs.rm(layout.previous, { force: true });
  await fs.link(layout.current, layout.previous).catch(() => fs.copyFile(layout.current, layout.previous));
  await fs.rename(layout.next, layout.current);
  await fs.rm(layout.tried, { force: true });
  await fs.rm(pendingFile(stateDir), { force: true });
}

/**
 * At the start of a bundle that is not on trial: a staged bundle that was tried and did not become current failed
 * (it crashed, or did not connect in time and gave up). It is removed, and the outcome goes into agent_hello.
 */
export async function settleFailedTrial(
  layout: BundleLayout,
  stateDir: string,
  runningVersion: string,
): Promise<AgentHelloPayload["update_result"] | undefined> {
  if (!existsSync(layout.tried)) return undefined;
  const pending = await readPending(stateDir);
  await fs.rm(layout.next, { force: true });
  await fs.rm(layout.tried, { force: true });
  await fs.rm(pendingFile(stateDir), { force: true });
  if (!pending) return undefined;
  return {
    version: pending.to,
    outcome: "rolled_back",
    message: `agent ${pending.to} exited or did not connect within ${pending.confirm_timeout_seconds} s; ${runningVersion} runs again`,
  };
}

async function readPending(stateDir: string): Promise<PendingUpdate | null> {
  try {
    return JSON.parse(await fs.readFile(pendingFile(stateDir), "utf8")) as PendingUpdate;
  } catch {
    return null;
  }
}
