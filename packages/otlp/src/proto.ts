import protobuf from "protobufjs";
import descriptor from "./generated/otlp-descriptor.json" with { type: "json" };

/** The three OTLP signals, named as in the OTLP/HTTP paths (`/v1/traces`, `/v1/logs`, `/v1/metrics`). */
export type OtlpSignal = "traces" | "logs" | "metrics";

/** Every signal, in a fixed order. */
export const OTLP_SIGNALS: readonly OtlpSignal[] = ["traces", "logs", "metrics"];

const collector = {
  traces: "opentelemetry.proto.collector.trace.v1.TraceService",
  logs: "opentelemetry.proto.collector.logs.v1.LogsService",
  metrics: "opentelemetry.proto.collector.metrics.v1.MetricsService",
} as const;

/** The gRPC method of each signal's collector service, e.g. `/opentelemetry.proto.collector.trace.v1.TraceService/Export`. */
export const OTLP_GRPC_PATHS: { readonly [S in OtlpSignal]: string } = {
  traces: `/${collector.traces}/Export`,
  logs: `/${collector.logs}/Export`,
  metrics: `/${collector.metrics}/Export`,
};

let root: protobuf.Root | undefined;

/**
 * The protobufjs root of the official protos (see proto/README.md), for code that needs OTLP types (e.g. the item
 * counter). Built at first use, not at import: an agent that receives no OTLP never builds it (~1 MB of heap).
 */
export function otlpRoot(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);
  return root;
}

/** The request and response message types of a signal's collector service. */
export interface SignalTypes {
  request: protobuf.Type;
  response: protobuf.Type;
  /** The gRPC method path (OTLP_GRPC_PATHS). */
  grpcPath: string;
  serviceName: string;
}

const resolved: Partial<Record<OtlpSignal, SignalTypes>> = {};

function signalTypes(signal: OtlpSignal): SignalTypes {
  const known = resolved[signal];
  if (known) return known;
  const service = otlpRoot().lookupService(collector[signal]);
  const exportMethod = service.methods.Export;
  if (!exportMethod) throw new Error(`${collector[signal]} has no Export method`);
  exportMethod.resolve();
  const request = exportMethod.resolvedRequestType;
  const response = exportMethod.resolvedResponseType;
  if (!request || !response) throw new Error(`${collector[signal]}.Export did not resolve`);
  const types = { request, response, grpcPath: OTLP_GRPC_PATHS[signal], serviceName: collector[signal] };
  resolved[signal] = types;
  return types;
}

/** The request and response message types and the gRPC method of each signal's collector service (resolved at first use). */
export const otlpTypes: { readonly [S in OtlpSignal]: SignalTypes } = {
  get traces() {
    return signalTypes("traces");
  },
  get logs() {
    return signalTypes("logs");
  },
  get metrics() {
    return signalTypes("metrics");
  },
};

/** `google.rpc.Status`: the body of every OTLP/HTTP error answer and of gRPC status details. */
export function rpcStatusType(): protobuf.Type {
  return otlpRoot().lookupType("google.rpc.Status");
}

/** `google.rpc.RetryInfo`: how long a client should wait before retrying (gRPC status details). */
export function retryInfoType(): protobuf.Type {
  return otlpRoot().lookupType("google.rpc.RetryInfo");
}
