import { api } from "../lib/api";
import { useQuery } from "../lib/query";
import { CopyButton } from "./copy";
import { QueryView } from "./states";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "./ui/card";

function Snippet({ label, code }: { label: string; code: string }) {
  return (
    <div className="flex flex-col gap-1">
      <div className="flex items-center justify-between gap-2">
        <p className="text-xs font-medium text-zinc-500">{label}</p>
        <CopyButton value={code} label={`Copy ${label}`} />
      </div>
      <pre className="overflow-x-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-5 text-zinc-100">{code}</pre>
    </div>
  );
}

/**
 * The empty state of the observability views: how this service sends telemetry. What Syntra already injects into
 * its containers (so an app with an OpenTelemetry SDK needs no setting at all), the OTLP endpoint and key for apps
 * elsewhere, and the SDK snippets with the service's DSN.
 */
export function TelemetrySetup({ serviceId, what }: { serviceId: string; what: string }) {
  const ingest = useQuery(`service:${serviceId}:ingest`, () => api.telemetry.ingest({ serviceId }));
  return (
    <Card data-testid="telemetry-setup">
      <CardHeader>
        <CardTitle>No {what} yet</CardTitle>
        <CardDescription>
          Syntra shows {what} as soon as the service sends them: any OpenTelemetry SDK or Collector works unchanged, and
          Sentry SDKs report errors with only their DSN changed.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <QueryView query={ingest}>
          {(i) => (
            <div className="flex flex-col gap-4 text-sm">
              <div>
                <p className="font-medium">Deployed by Syntra? Nothing to configure.</p>
                <p className="text-zinc-500">
                  Every container of this service gets these variables at each deploy, pointing at its server's agent.
                  Start the OpenTelemetry SDK in the app (for Node:{" "}
                  <code className="font-mono">node --require @opentelemetry/auto-instrumentations-node/register</code>)
                  and its traces, logs and metrics arrive here. Its stdout and stderr are collected already.
                </p>
              </div>
              <Snippet
                label="Injected into the containers"
                code={[
                  `OTEL_EXPORTER_OTLP_ENDPOINT=${i.in_container.otlp_http_endpoint}`,
                  "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
                  `OTEL_EXPORTER_OTLP_HEADERS=x-syntra-key=${i.key}`,
                  "OTEL_SERVICE_NAME=<service name>",
                  "OTEL_RESOURCE_ATTRIBUTES=deployment.id=…,service.version=…,service.namespace=<project>",
                  `SENTRY_DSN=${i.sentry_dsn}`,
                  `SYNTRA_DSN=${i.in_container.dsn}`,
                ].join("\n")}
              />
              <Snippet
                label="From anywhere else (OTLP/HTTP)"
                code={[
                  `OTEL_EXPORTER_OTLP_ENDPOINT=${i.otlp.http_endpoint}`,
                  ...Object.entries(i.otlp.headers).map(([k, v]) => `OTEL_EXPORTER_OTLP_HEADERS=${k}=${v}`),
                ].join("\n")}
              />
              <Snippet
                label="Node.js (OpenTelemetry SDK)"
                code={[
                  'import { NodeSDK } from "@opentelemetry/sdk-node";',
                  'import { getNodeAutoInstrumentations } from "@opentelemetry/auto-instrumentations-node";',
                  "",
                  "// Reads OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS from the environment.",
                  "new NodeSDK({ instrumentations: [getNodeAutoInstrumentations()] }).start();",
                ].join("\n")}
              />
              <Snippet label="Errors with a Sentry SDK" code={`Sentry.init({ dsn: "${i.sentry_dsn}" });`} />
            </div>
          )}
        </QueryView>
      </CardContent>
    </Card>
  );
}
