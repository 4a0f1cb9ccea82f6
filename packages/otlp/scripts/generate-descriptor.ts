/**
 * Regenerates src/generated/otlp-descriptor.json from the vendored official .proto files: protobufjs' JSON
 * descriptor, loaded at run time with Root.fromJSON (a single bundled agent file cannot read .proto files).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const protoDir = path.join(root, "proto");
const entries = [
  "opentelemetry/proto/collector/trace/v1/trace_service.proto",
  "opentelemetry/proto/collector/logs/v1/logs_service.proto",
  "opentelemetry/proto/collector/metrics/v1/metrics_service.proto",
  "google/rpc/status.proto",
  "google/rpc/error_details.proto",
];

const loader = new protobuf.Root();
// Imports resolve inside the vendored tree; google/protobuf/* are protobufjs' bundled common types.
loader.resolvePath = (_origin, target) =>
  target.startsWith("google/protobuf/") ? target : path.join(protoDir, target);
loader.loadSync(entries, { keepCase: false });
loader.resolveAll();
const out = path.join(root, "src/generated/otlp-descriptor.json");
fs.writeFileSync(out, `${JSON.stringify(loader.toJSON({ keepComments: false }))}\n`);
execFileSync("npx", ["biome", "format", "--write", out], { stdio: "inherit" });
console.log(`wrote ${path.relative(process.cwd(), out)}`);
