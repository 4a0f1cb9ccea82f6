// Writes contracts/ (JSON Schemas of the WebSocket and telemetry messages, the OpenAPI document) from the zod schemas.
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderContractFiles } from "../apps/server/src/openapi/contract-files";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, "contracts");
const files = renderContractFiles();
for (const sub of ["websocket", "telemetry", "api"])
  await fs.rm(path.join(outDir, sub), { recursive: true, force: true });
for (const [file, content] of files) {
  await fs.mkdir(path.dirname(path.join(outDir, file)), { recursive: true });
  await fs.writeFile(path.join(outDir, file), content);
}
console.log(`wrote ${files.size} files under contracts/`);
