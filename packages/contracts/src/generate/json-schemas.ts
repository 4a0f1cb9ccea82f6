import { z } from "zod";
import { telemetryBatchBinaryPayload, telemetryBatchPayload, telemetryData } from "../telemetry/batch";
import { errorEvent } from "../telemetry/error-events";
import { healthCheckResult } from "../telemetry/health";
import { logEntry } from "../telemetry/logs";
import { metricPoint } from "../telemetry/metrics";
import { traceSpan } from "../telemetry/traces";
import { messageTypes } from "../ws/envelope";
import { messageSchemas } from "../ws/messages";

const baseUrl = "https://syntra.dev/contracts";

interface SchemaDocument {
  fileName: string;
  schema: z.ZodType;
  title: string;
  description?: string;
}

/**
 * JSON Schemas (draft 2020-12) of the full WebSocket messages, envelope included, keyed by file
 * name: "agent-hello.schema.json" for `agent_hello`. They describe what a sender may put on the
 * wire (zod's input side), so fields with defaults are optional. Refinements across fields
 * (e.g. `error` when `success` is false) are not expressible and are left out.
 */
export function websocketJsonSchemas(): Record<string, object> {
  return renderAll(
    "websocket",
    messageTypes.map((type) => ({
      fileName: `${type.replaceAll("_", "-")}.schema.json`,
      schema: messageSchemas[type],
      title: `Syntra WebSocket message: ${type}`,
    })),
  );
}

/** JSON Schemas (draft 2020-12) of the telemetry the agent ships, keyed by file name. */
export function telemetryJsonSchemas(): Record<string, object> {
  return renderAll("telemetry", [
    { fileName: "telemetry-batch.schema.json", schema: telemetryBatchPayload, title: "Syntra TelemetryBatchPayload" },
    {
      fileName: "telemetry-batch-binary.schema.json",
      schema: telemetryBatchBinaryPayload,
      title: "Syntra TelemetryBatchBinaryPayload (the payload of a binary telemetry_batch frame's envelope)",
    },
    { fileName: "telemetry-data.schema.json", schema: telemetryData, title: "Syntra TelemetryData" },
    { fileName: "error-event.schema.json", schema: errorEvent, title: "Syntra ErrorEvent" },
    { fileName: "trace-span.schema.json", schema: traceSpan, title: "Syntra TraceSpan" },
    { fileName: "log-entry.schema.json", schema: logEntry, title: "Syntra LogEntry" },
    { fileName: "metric-point.schema.json", schema: metricPoint, title: "Syntra MetricPoint" },
    { fileName: "health-check-result.schema.json", schema: healthCheckResult, title: "Syntra HealthCheckResult" },
    {
      fileName: "otlp-extensions.schema.json",
      schema: telemetryData,
      title: "Syntra OTLP extensions",
      description:
        "Syntra's telemetry format around OTLP: spans, logs and metrics keyed by service and deployment, " +
        "plus error events and health checks, which OTLP has no signal for.",
    },
  ]);
}

// Sorted by file name, so that the output, and any file written from it, is byte-for-byte stable.
function renderAll(folder: string, documents: SchemaDocument[]): Record<string, object> {
  const sorted = [...documents].sort((a, b) => (a.fileName < b.fileName ? -1 : 1));
  return Object.fromEntries(sorted.map((document) => [document.fileName, render(folder, document)]));
}

function render(folder: string, { fileName, schema, title, description }: SchemaDocument): object {
  const generated = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" });
  const { $schema, $id: _id, title: _title, description: generatedDescription, ...body } = generated;
  return {
    $schema,
    $id: `${baseUrl}/${folder}/${fileName}`,
    title,
    ...((description ?? generatedDescription) ? { description: description ?? generatedDescription } : {}),
    ...body,
  };
}
