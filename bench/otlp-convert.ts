// OTLP conversion benchmark (in-process, one core): the control plane's cost to turn protobuf OTLP requests into
// the telemetry store's RowBinary rows, the fast path (span-rows.ts / log-rows.ts: straight from the wire bytes)
// beside the general path (protobufjs decode, contract objects, writeSpan/writeLog) in the same run, on requests
// shaped like telemetrygen's (1000 spans or records a request). Prints items per CPU-second and the ratio.
// Run: npm run bench:convert   (BENCH_SECONDS per measurement, default 3)
import os from "node:os";
import { convertLogs, convertTraces, decodeOtlp, type OtlpSignal, otlpTypes } from "@syntra/otlp";
import { writeLogRows } from "../apps/server/src/telemetry/ingest/log-rows";
import { writeSpanRows } from "../apps/server/src/telemetry/ingest/span-rows";
import { RowBinaryWriter } from "../apps/server/src/telemetry/store/row-binary";
import { writeLog, writeSpan } from "../apps/server/src/telemetry/store/rows";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ITEMS = 1000;
const orgId = "5a4b3c2d-1e0f-4a1b-9c8d-7e6f5a4b3c2d";
const attribution = { serviceId: "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9" };
const NOW = new Date();
const T = BigInt(Date.now()) * 1_000_000n;
const kv = (key: string, stringValue: string) => ({ key, value: { stringValue } });
const hex = (n: number, bytes: number) => Buffer.from(n.toString(16).padStart(bytes * 2, "0"), "hex");

function encode(signal: OtlpSignal, request: object): Uint8Array {
  const type = otlpTypes[signal].request;
  return type.encode(type.fromObject(request)).finish();
}

const resource = { attributes: [kv("service.name", "telemetrygen")] };
const scope = { name: "telemetrygen" };
const traces = encode("traces", {
  resourceSpans: [
    {
      resource,
      scopeSpans: [
        {
          scope,
          spans: Array.from({ length: ITEMS }, (_, i) => ({
            traceId: hex(i + 1, 16),
            spanId: hex(i + 1, 8),
            parentSpanId: i % 2 ? hex(i, 8) : undefined,
            name: i % 2 ? "okey-dokey-0" : "lets-go",
            kind: i % 2 ? 2 : 3,
            startTimeUnixNano: (T + BigInt(i)).toString(),
            endTimeUnixNano: (T + BigInt(i) + 123_000n).toString(),
            attributes: [kv("network.peer.address", "1.2.3.4"), kv("peer.service", "telemetrygen-server")],
            status: { code: 0 },
          })),
        },
      ],
    },
  ],
});
const logs = encode("logs", {
  resourceLogs: [
    {
      resource,
      scopeLogs: [
        {
          scope,
          logRecords: Array.from({ length: ITEMS }, (_, i) => ({
            timeUnixNano: (T + BigInt(i)).toString(),
            severityNumber: 9,
            severityText: "Info",
            body: { stringValue: "the message" },
            attributes: [kv("app", "server")],
            traceId: hex(i + 1, 16),
            spanId: hex(i + 1, 8),
          })),
        },
      ],
    },
  ],
});

/** Items per CPU-second of `run` (which converts one request of ITEMS items) over SECONDS. */
function measure(run: () => void): number {
  for (let i = 0; i < 50; i++) run();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < SECONDS * 1000) {
    run();
    n += ITEMS;
  }
  const cpu = process.cpuUsage(cpu0);
  return n / ((cpu.user + cpu.system) / 1e6);
}

const cases = {
  spans: {
    general: () => {
      const w = new RowBinaryWriter(1 << 20);
      for (const span of convertTraces(decodeOtlp("traces", traces), attribution).spans) {
        writeSpan(w, { ...span, org_id: orgId });
      }
    },
    fast: () => writeSpanRows(new RowBinaryWriter(1 << 20), traces, attribution, orgId),
  },
  logs: {
    general: () => {
      const w = new RowBinaryWriter(1 << 20);
      for (const entry of convertLogs(decodeOtlp("logs", logs), attribution, NOW)) {
        writeLog(w, { ...entry, org_id: orgId });
      }
    },
    fast: () => writeLogRows(new RowBinaryWriter(1 << 20), logs, attribution, orgId, NOW),
  },
};

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
console.log(
  `# OTLP -> RowBinary conversion, ${SECONDS} s a measurement, node ${process.version} ${process.execArgv.join(" ")}`,
);
console.log(`# load average before: ${load()}`);
for (const [what, paths] of Object.entries(cases)) {
  const general = measure(paths.general);
  const fast = measure(paths.fast);
  console.log(
    `${what.padEnd(6)} general path ${String(Math.round(general)).padStart(9)}/CPU-s   fast path ${String(Math.round(fast)).padStart(9)}/CPU-s   ${(fast / general).toFixed(2)}x`,
  );
}
console.log(`# load average after: ${load()}`);
