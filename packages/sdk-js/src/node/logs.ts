import { format } from "node:util";
import { context } from "@opentelemetry/api";
import { logs, SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import type { Resource } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { SDK_INFO } from "../core/client";
import { type ConsoleMethod, onConsole } from "../core/console";
import type { Dsn } from "../core/dsn";
import { KEY_HEADER } from "./http-breadcrumbs";

const SEVERITY: Record<ConsoleMethod, [SeverityNumber, string]> = {
  debug: [SeverityNumber.DEBUG, "DEBUG"],
  info: [SeverityNumber.INFO, "INFO"],
  log: [SeverityNumber.INFO, "INFO"],
  warn: [SeverityNumber.WARN, "WARN"],
  error: [SeverityNumber.ERROR, "ERROR"],
};

/** What logs setup made, to be shut down by close(). */
export interface Logs {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Console output as OpenTelemetry log records to the DSN's OTLP endpoint, each with the trace and span active where
 * it was written. The logger provider is registered globally, so OTel log bridges (pino, winston) use it too.
 */
export function setupLogs(dsn: Dsn, resource: Resource): Logs {
  const exporter = new OTLPLogExporter({ url: dsn.logsUrl, headers: { [KEY_HEADER]: dsn.key } });
  const provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter })] });
  // As with tracing: a second init() takes over from the first, whose close() then leaves the global alone.
  if (registered) logs.disable();
  logs.setGlobalLoggerProvider(provider);
  registered = provider;
  const logger = provider.getLogger(SDK_INFO.name, SDK_INFO.version);
  const stop = onConsole((method, args) => {
    const [severityNumber, severityText] = SEVERITY[method];
    logger.emit({
      severityNumber,
      severityText,
      body: format(...args),
      context: context.active(),
      attributes: { "log.source": "console", "log.method": method },
    });
  });
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      stop();
      if (registered === provider) {
        registered = undefined;
        logs.disable();
      }
      await provider.shutdown();
    },
  };
}

/** The logger provider setupLogs registered last, while it is registered. */
let registered: LoggerProvider | undefined;
