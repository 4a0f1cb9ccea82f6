import type { AIAnalysis, AIEvidence, AISeverity } from "@syntra/contracts";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { timeAgo } from "../lib/format";
import { ErrorNote } from "./states";
import { Badge } from "./ui/badge";
import { Button } from "./ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "./ui/card";

const SEVERITY_TONE: Record<AISeverity, "red" | "amber" | "blue" | "neutral"> = {
  CRITICAL: "red",
  HIGH: "amber",
  MEDIUM: "blue",
  LOW: "neutral",
};

/** Why an issue has no analysis yet, from what the background analysis made of it. */
function backgroundNote(outcome: string | null): string {
  if (outcome === "budget_exceeded")
    return "Not analyzed: the organization's AI token budget for the day was spent when the issue appeared.";
  if (outcome?.startsWith("failed:"))
    return `Not analyzed: the background analysis failed (${outcome.slice("failed:".length)}).`;
  return "Not analyzed yet. New issues are analyzed in the background when the organization allows it.";
}

/**
 * The AI analysis of an issue: root cause, why now, fix, severity, scope, confidence and the evidence used, with
 * "Analyze"/"Refresh". The page never waits for it: the stored analysis comes with the issue, and a new one is
 * asked for only by the button, its progress and errors shown here alone.
 */
export function AiAnalysisCard({
  issueId,
  analysis,
  autoOutcome,
  canRun,
}: {
  issueId: string;
  analysis: AIAnalysis | null;
  /** What the background analysis made of the issue (ErrorGroup.ai_auto_outcome). */
  autoOutcome: string | null;
  canRun: boolean;
}) {
  const action = useAction();
  const run = (force: boolean) =>
    action.run(() => api.ai.analyzeError({ issue_id: issueId, force_refresh: force }), `issue:${issueId}`);
  return (
    <Card className="mb-4" data-testid="ai-analysis">
      <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-2">
        <CardTitle className="text-sm">
          AI analysis
          {analysis && (
            <span className="ml-2 font-normal text-zinc-500">
              {analysis.offline ? "offline analyzer" : `${analysis.provider} · ${analysis.model}`} ·{" "}
              {timeAgo(analysis.generated_at)}
            </span>
          )}
        </CardTitle>
        {canRun && (
          <Button size="sm" variant="secondary" disabled={action.pending} onClick={() => run(analysis !== null)}>
            {action.pending ? "Analyzing…" : analysis ? "Refresh analysis" : "Analyze"}
          </Button>
        )}
      </CardHeader>
      <CardContent className="flex flex-col gap-3 text-sm">
        {action.error != null && <ErrorNote error={action.error} />}
        {!analysis && !action.pending && (
          <p className="text-zinc-500" data-testid="ai-not-analyzed">
            {backgroundNote(autoOutcome)}
            {canRun ? " Analyze asks the configured AI provider." : ""}
          </p>
        )}
        {analysis && (
          <>
            <div className="flex flex-wrap gap-2">
              <Badge tone={SEVERITY_TONE[analysis.severity]} data-testid="ai-severity">
                {analysis.severity}
              </Badge>
              <Badge>confidence {Math.round(analysis.confidence * 100)}%</Badge>
              {analysis.offline && <Badge tone="amber">offline: from the data alone, no model</Badge>}
            </div>
            {(
              [
                ["Root cause", analysis.root_cause],
                ["Why now", analysis.why_now],
                ["Suggested fix", analysis.suggested_fix],
                ["Affected", analysis.affected_scope],
              ] as const
            ).map(([label, text]) => (
              <section key={label}>
                <h3 className="text-xs font-medium text-zinc-500">{label}</h3>
                <p className="whitespace-pre-wrap" data-ai={label}>
                  {text}
                </p>
              </section>
            ))}
            <EvidenceList evidence={analysis.evidence} />
          </>
        )}
      </CardContent>
    </Card>
  );
}

/** The facts an AI answer relied on, each with its kind. */
export function EvidenceList({ evidence }: { evidence: AIEvidence[] }) {
  if (evidence.length === 0) return null;
  return (
    <section>
      <h3 className="text-xs font-medium text-zinc-500">Evidence</h3>
      <ul className="mt-1 flex flex-col gap-1" data-testid="ai-evidence">
        {evidence.map((e) => (
          <li key={`${e.kind}:${e.detail}`} className="flex gap-2">
            <Badge className="shrink-0">{e.kind.replace("_", " ")}</Badge>
            <span className="break-all font-mono text-xs">{e.detail}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
