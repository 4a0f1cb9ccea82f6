import { createHash, sign } from "node:crypto";
import fs from "node:fs/promises";
import { updateSignedText } from "@syntra/contracts";
import { agentBundle, bundleVersion } from "../install/agent-bundle";
import type { AgentAuthority } from "./pki/authority";

/** The agent bundle this control plane hands out in updates: its file, version, digest and signature. */
export interface AgentRelease {
  version: string;
  file: string;
  sha256: string;
  /** Ed25519 by the authority's bundle-signing key over `updateSignedText(version, sha256)`, base64. */
  signature: string;
  size: number;
}

/**
 * Reads and signs the bundle to hand out: SYNTRA_AGENT_BUNDLE when set, else the one built with this control plane.
 * Null (logged by the caller) when the file names no version: such a file cannot be offered as an update.
 */
export async function loadAgentRelease(
  opts: { bundleFile: string | undefined; dataDir: string },
  authority: AgentAuthority,
): Promise<AgentRelease | null> {
  const file = opts.bundleFile ?? (await agentBundle(opts.dataDir));
  const bytes = await fs.readFile(file);
  const version = bundleVersion(bytes.subarray(0, 200).toString("utf8"));
  if (!version) return null;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const signature = sign(null, Buffer.from(updateSignedText(version, sha256)), authority.bundleSigningKey);
  return { version, file, sha256, signature: signature.toString("base64"), size: bytes.length };
}
