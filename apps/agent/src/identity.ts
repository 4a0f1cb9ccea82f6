import fs from "node:fs/promises";
import path from "node:path";
import { writeAtomically } from "./request-log";

/** This agent's stable id (`agt_…`), made on first start and kept in the state dir. */
export async function loadAgentId(stateDir: string): Promise<string> {
  const file = path.join(stateDir, "agent.json");
  try {
    const saved = JSON.parse(await fs.readFile(file, "utf8")) as { agent_id?: unknown };
    if (typeof saved.agent_id === "string" && /^agt_[A-Za-z0-9_-]{6,64}$/.test(saved.agent_id)) return saved.agent_id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const agentId = `agt_${globalThis.crypto.randomUUID().replaceAll("-", "").slice(0, 21)}`;
  await writeAtomically(file, JSON.stringify({ agent_id: agentId }));
  return agentId;
}
