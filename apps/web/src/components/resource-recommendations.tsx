import { type AIRecommendation, type AIRecommendations, updateServiceBody } from "@syntra/contracts";
import { useState } from "react";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { bytes } from "../lib/format";
import { useQuery } from "../lib/query";
import { ErrorNote } from "./states";
import { Badge } from "./ui/badge";
import { Button } from "./ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "./ui/card";

const cores = (v: number) => `${v.toFixed(2)} cores`;

const KIND_TONE = { reliability: "red", scaling: "amber", rightsizing: "blue", cost: "green" } as const;

/** A figure of the basis in its unit. */
function figure(basis: NonNullable<AIRecommendation["basis"]>, v: number): string {
  return basis.measure === "memory_bytes" ? bytes(v) : cores(v);
}

/** One suggestion: what changes, why (the numbers and the rule), and the one-click apply. */
function Suggestion({ item, serviceId, editable }: { item: AIRecommendation; serviceId: string; editable: boolean }) {
  const action = useAction();
  const [applied, setApplied] = useState(false);
  const apply = () =>
    action.run(async () => {
      // The suggestion is a service update body (cpu_limit, memory_limit or replicas): checked as one.
      await api.services.update({ serviceId, ...updateServiceBody.parse(item.suggested) });
      setApplied(true);
    }, `service:${serviceId}`);
  const b = item.basis;
  return (
    <li className="flex flex-col gap-1 border-t border-zinc-100 pt-3 first:border-0 first:pt-0 dark:border-zinc-800">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="flex items-center gap-2 text-sm font-medium">
          <Badge tone={KIND_TONE[item.kind]}>{item.kind}</Badge>
          {item.title}
        </p>
        {editable && !applied && (
          <Button size="sm" onClick={() => void apply()} disabled={action.pending} aria-label={`Apply: ${item.title}`}>
            {action.pending ? "Applying…" : "Apply"}
          </Button>
        )}
        {applied && <Badge tone="green">Applied: takes effect on the next deployment</Badge>}
      </div>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">{item.description}</p>
      {b && (
        <p className="text-xs text-zinc-500" data-testid="recommendation-basis">
          p95 {figure(b, b.p95)} · peak {figure(b, b.peak)} · now {b.current_limit ?? "no limit"} · rule: {b.rule}
        </p>
      )}
      {action.error != null && <ErrorNote error={action.error} />}
    </li>
  );
}

/** The usage the suggestions come from. */
function UsageLine({ answer }: { answer: AIRecommendations }) {
  const u = answer.usage;
  return (
    <p className="text-xs text-zinc-500" data-testid="recommendation-usage">
      {answer.observed_hours} h of {u.containers} container{u.containers === 1 ? "" : "s"}
      {u.cpu_cores && ` · CPU p95 ${cores(u.cpu_cores.p95)}, peak ${cores(u.cpu_cores.peak)}`}
      {u.memory_bytes && ` · memory p95 ${bytes(u.memory_bytes.p95)}, peak ${bytes(u.memory_bytes.peak)}`}
      {` · ${u.oom_kills} OOM kill${u.oom_kills === 1 ? "" : "s"}`}
      {u.throttling.steps_at_cpu_limit !== null && ` · ${u.throttling.steps_at_cpu_limit} steps at the CPU limit`}
    </p>
  );
}

/**
 * Right-sizing for the service page: CPU/memory limits and replicas suggested from the containers' last 7 days,
 * each with the numbers behind it, applied with one click as an ordinary service update (same permission, audited).
 */
export function ResourceRecommendations({ serviceId }: { serviceId: string }) {
  const { can } = useAuth();
  const query = useQuery(`service:${serviceId}:recommendations`, () => api.ai.recommendations({ serviceId }));
  const answer = query.data;
  return (
    <Card data-testid="resource-recommendations">
      <CardHeader>
        <CardTitle className="flex items-center gap-2 text-sm">
          Resource recommendations
          {answer?.state === "not_enough_data" && <Badge tone="neutral">not enough data</Badge>}
        </CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {query.error != null ? (
          <ErrorNote error={query.error} />
        ) : !answer ? (
          <p className="text-sm text-zinc-500">Reading the last 7 days…</p>
        ) : (
          <>
            <p className="text-sm">{answer.explanation}</p>
            {answer.state === "ready" && <UsageLine answer={answer} />}
            {answer.recommendations.length > 0 && (
              <ul className="flex flex-col gap-3" aria-label="Suggestions">
                {answer.recommendations.map((r) => (
                  <Suggestion key={r.id} item={r} serviceId={serviceId} editable={can("services:write")} />
                ))}
              </ul>
            )}
            <p className="text-xs text-zinc-400">{answer.usage.throttling.note}</p>
          </>
        )}
      </CardContent>
    </Card>
  );
}
