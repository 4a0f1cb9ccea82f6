import type { ServiceIngest } from "@syntra/contracts";
import { useState } from "react";
import { SecretBox } from "../components/copy";
import { QueryView } from "../components/states";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { api } from "../lib/api";
import { useQuery } from "../lib/query";
import { cn } from "../lib/utils";
import { useService } from "./service";

type Language = "javascript" | "python" | "sentry" | "opentelemetry";

const LANGUAGES: [Language, string][] = [
  ["javascript", "JavaScript"],
  ["python", "Python"],
  ["sentry", "Sentry SDKs"],
  ["opentelemetry", "OpenTelemetry"],
];

/** The code an app adds to report to this service, per language, with the service's own DSN filled in. */
export function setupSnippets(ingest: ServiceIngest): Record<Language, { install: string; code: string }> {
  const otlpHeaders = Object.entries(ingest.otlp.headers)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return {
    javascript: {
      install: "npm install @syntra/sdk",
      code: `import { Syntra } from "@syntra/sdk";\nSyntra.init({ dsn: "${ingest.dsn}" });`,
    },
    python: {
      install: "pip install syntra-sdk",
      code: `import syntra_sdk\nsyntra_sdk.init(dsn="${ingest.dsn}")`,
    },
    sentry: {
      install: "# an app already using @sentry/node, @sentry/browser or sentry-sdk: change only its DSN",
      code: `Sentry.init({ dsn: "${ingest.sentry_dsn}" });`,
    },
    opentelemetry: {
      install: "# any OpenTelemetry SDK or Collector, over OTLP/HTTP",
      code: `OTEL_EXPORTER_OTLP_ENDPOINT=${ingest.otlp.http_endpoint}\nOTEL_EXPORTER_OTLP_HEADERS=${otlpHeaders}`,
    },
  };
}

function SetupCard({ ingest }: { ingest: ServiceIngest }) {
  const [language, setLanguage] = useState<Language>("javascript");
  const snippet = setupSnippets(ingest)[language];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Report errors, traces and logs</CardTitle>
        <CardDescription>
          Two lines in the app. In containers Syntra deploys, the DSN, release and deployment are injected (SYNTRA_DSN
          and the OpenTelemetry variables): <code>init()</code> needs no arguments there.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <div role="tablist" aria-label="Language" className="flex flex-wrap gap-1">
          {LANGUAGES.map(([id, label]) => (
            <button
              key={id}
              type="button"
              role="tab"
              aria-selected={language === id}
              onClick={() => setLanguage(id)}
              className={cn(
                "rounded-md px-3 py-1 text-sm font-medium",
                language === id
                  ? "bg-indigo-600 text-white"
                  : "text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800",
              )}
            >
              {label}
            </button>
          ))}
        </div>
        <SecretBox value={snippet.install} label="Install" />
        <SecretBox value={snippet.code} label="Setup snippet" />
        <p className="text-sm text-zinc-500">
          DSN <code className="break-all">{ingest.dsn}</code>. The key is public like a Sentry DSN's: it only lets its
          holder send data for this service.
        </p>
      </CardContent>
    </Card>
  );
}

/** The Setup tab: how an app reports to this service. */
export function ServiceSetupPage() {
  const { service } = useService();
  const query = useQuery(`ingest:${service.id}`, () => api.telemetry.ingest({ serviceId: service.id }));
  return <QueryView query={query}>{(ingest) => <SetupCard ingest={ingest} />}</QueryView>;
}
