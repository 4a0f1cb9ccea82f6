import protobuf from "protobufjs";
import descriptor from "./generated/otlp-descriptor.json" with { type: "json" };

/** The three OTLP signals, named as in the OTLP/HTTP paths (`/v1/traces`, `/v1/logs`, `/v1/metrics`). */
export type OtlpSignal = "traces" | "logs" | "metrics";

/** Every signal, in a fixed order. */
export const OTLP_SIGNALS: readonly OtlpSignal[] = ["traces", "logs", "metrics"];

// Built once from the official protos (see proto/README.md); protobufjs generates its decoders at first use.
const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);

const collector = {
  traces: "opentelemetry.proto.collector.trace.v1.TraceService",
  logs: "opentelemetry.proto.collector.logs.v1.LogsService",
  metrics: "opentelemetry.proto.collector.metrics.v1.MetricsService",
} as const;

function signalTypes(signal: OtlpSignal) {
  const service = root.lookupService(collector[signal]);
  const exportMethod = service.methods.Export;
  if (!exportMethod) throw new Error(`${collector[signal]} has no Export method`);
  exportMethod.resolve();
  const request = exportMethod.resolvedRequestType;
  const response = exportMethod.resolvedResponseType;
  if (!request || !response) throw new Error(`${collector[signal]}.Export did not resolve`);
  return {
    request,
    response,
    /** The gRPC method path, e.g. `/opentelemetry.proto.collector.trace.v1.TraceService/Export`. */
    grpcPath: `/${collector[signal]}/Export`,
    serviceName: collector[signal],
  };
}

/** The request and response message types and the gRPC method of each signal's collector service. */
export const otlpTypes = {
  traces: signalTypes("traces"),
  logs: signalTypes("logs"),
  metrics: signalTypes("metrics"),
} as const;

/** `google.rpc.Status`: the body of every OTLP/HTTP error answer and of gRPC status details. */
export const rpcStatusType = root.lookupType("google.rpc.Status");
/** `google.rpc.RetryInfo`: how long a client should wait before retrying (gRPC status details). */
export const retryInfoType = root.lookupType("google.rpc.RetryInfo");

/** The protobufjs root, for code that needs other OTLP types (e.g. the item counter). */
export const otlpRoot = root;
