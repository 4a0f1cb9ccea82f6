import type { AlertIncident } from "@syntra/contracts";
import { timeAgo } from "../lib/format";
import { EvidenceList } from "./ai-analysis";
import { Badge } from "./ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "./ui/card";

/**
 * The AI summary of an alert incident (what is happening, the likely cause, the evidence), written in the background
 * after the notification went out; until then, or when it could not be written, a line saying so.
 */
export function IncidentSummaryCard({ incident }: { incident: AlertIncident }) {
  const s = incident.ai_summary;
  const outcome = incident.ai_summary_outcome;
  return (
    <Card className="mt-4" data-testid="ai-incident-summary">
      <CardHeader>
        <CardTitle className="text-sm">
          AI summary
          {s && (
            <span className="ml-2 font-normal text-zinc-500">
              {s.offline ? "offline summarizer" : `${s.provider} · ${s.model}`} · {timeAgo(s.generated_at)}
            </span>
          )}
        </CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-3 text-sm">
        {!s && (
          <p className="text-zinc-500">
            {outcome === "budget_exceeded"
              ? "No summary: the organization's AI token budget for the day was spent."
              : outcome?.startsWith("failed:")
                ? `No summary: the summarizer failed (${outcome.slice("failed:".length)}).`
                : "The summary is written in the background shortly after the incident fires."}
          </p>
        )}
        {s && (
          <>
            <div className="flex flex-wrap gap-2">
              <Badge>confidence {Math.round(s.confidence * 100)}%</Badge>
              {s.offline && <Badge tone="amber">offline: from the data alone, no model</Badge>}
            </div>
            <p className="whitespace-pre-wrap" data-ai="Summary">
              {s.summary}
            </p>
            <section>
              <h3 className="text-xs font-medium text-zinc-500">Likely cause</h3>
              <p className="whitespace-pre-wrap" data-ai="Likely cause">
                {s.likely_cause}
              </p>
            </section>
            <EvidenceList evidence={s.evidence} />
          </>
        )}
      </CardContent>
    </Card>
  );
}
