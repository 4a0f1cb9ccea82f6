import { type AIUsage, type Organization, updateOrgBody } from "@syntra/contracts";
import { type FormEvent, useId } from "react";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";
import { dateTime } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";
import { ErrorNote, QueryView } from "./states";
import { Badge } from "./ui/badge";
import { Button } from "./ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "./ui/card";
import { Input } from "./ui/input";

/** Days of usage the card shows. */
const DAYS = 14;

/** How the usage rows name what spent the tokens, in words. */
const FEATURE_LABELS: Record<string, string> = {
  error_analysis: "Error analysis",
  incident_summary: "Incident summaries",
  dockerfile: "Dockerfile generation",
  recommendation: "Recommendations",
  chat: "Chat",
  other: "Other",
};
const featureLabel = (f: string) => FEATURE_LABELS[f] ?? f;
const tokens = (n: number) => n.toLocaleString("en-US");

/**
 * The settings page's AI section: which provider answers (or offline / off), today's tokens against the budget,
 * tokens per feature over the last days, and the organization's switches (background analysis, email redaction,
 * daily budget), which owners and admins change.
 */
export function AiSettingsCard() {
  const usage = useQuery("ai-usage", () => api.ai.usage({ days: DAYS }));
  const org = useQuery("org", () => api.org.get());
  return (
    <Card data-testid="ai-settings">
      <CardHeader>
        <CardTitle>AI</CardTitle>
        <CardDescription>
          Error analysis and incident summaries: what answers them, what they cost today and lately, and what your
          organization allows.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-5">
        <QueryView query={usage}>
          {(u) => (
            <>
              <Engine usage={u} />
              <Budget usage={u} />
              <PerFeature usage={u} />
            </>
          )}
        </QueryView>
        <QueryView query={org}>{(o) => <Switches org={o} />}</QueryView>
      </CardContent>
    </Card>
  );
}

function Engine({ usage }: { usage: AIUsage }) {
  if (!usage.enabled)
    return (
      <p data-testid="ai-engine" className="text-sm">
        <Badge>off</Badge> AI features are turned off on this installation (<code>SYNTRA_AI=off</code>).
      </p>
    );
  return (
    <p data-testid="ai-engine" className="text-sm">
      {usage.provider === "offline" ? (
        <>
          <Badge>offline</Badge> No AI provider is configured: the offline analyzer answers from the data alone and
          spends no tokens.
        </>
      ) : (
        <>
          <Badge>{usage.provider}</Badge> answered by <span className="font-mono">{usage.model}</span>.
        </>
      )}{" "}
      Background analysis of new issues is {usage.auto_analyze ? "on" : "off"}.
    </p>
  );
}

function Budget({ usage }: { usage: AIUsage }) {
  const b = usage.budget;
  const share = b.daily_tokens === 0 ? 1 : Math.min(b.used_today / b.daily_tokens, 1);
  return (
    <div className="flex flex-col gap-2" data-testid="ai-budget">
      <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <span>
          <span className="font-semibold">{tokens(b.used_today)}</span> of {tokens(b.daily_tokens)} tokens used today
        </span>
        <span className="text-xs text-zinc-500">
          {b.source === "organization" ? "your organization's budget" : "installation default"} · resets{" "}
          {dateTime(b.resets_at)}
        </span>
      </div>
      <div
        role="progressbar"
        aria-label="Tokens used today"
        aria-valuemin={0}
        aria-valuemax={b.daily_tokens}
        aria-valuenow={b.used_today}
        className="h-2 overflow-hidden rounded bg-zinc-100 dark:bg-zinc-800"
      >
        <div
          className={share >= 1 ? "h-full bg-red-500" : share >= 0.8 ? "h-full bg-amber-500" : "h-full bg-emerald-500"}
          style={{ width: `${Math.round(share * 100)}%` }}
        />
      </div>
      {b.remaining_today === 0 && (
        <p className="text-xs text-red-600 dark:text-red-400">
          The budget is spent: provider requests are refused (AI_BUDGET_EXCEEDED) until it resets.
        </p>
      )}
    </div>
  );
}

/** Tokens (input + output) and requests per day and feature, newest day first. */
function PerFeature({ usage }: { usage: AIUsage }) {
  if (usage.days.length === 0) return <p className="text-sm text-zinc-500">No AI requests in the last {DAYS} days.</p>;
  const features = [...new Set(usage.days.map((d) => d.feature))].sort();
  const days = [...new Set(usage.days.map((d) => d.day))].sort().reverse();
  const cell = (day: string | null, feature: string) => {
    const rows = usage.days.filter((d) => d.feature === feature && (day === null || d.day === day));
    return {
      tokens: rows.reduce((n, r) => n + r.input_tokens + r.output_tokens, 0),
      requests: rows.reduce((n, r) => n + r.requests, 0),
    };
  };
  const show = (c: { tokens: number; requests: number }) =>
    c.requests === 0 ? "—" : `${tokens(c.tokens)} (${c.requests} req)`;
  return (
    <div className="overflow-x-auto">
      <table aria-label="AI usage per feature" className="w-full text-left text-sm">
        <thead className="text-xs text-zinc-500">
          <tr>
            <th className="py-1 pr-4 font-medium">Day (UTC)</th>
            {features.map((f) => (
              <th key={f} className="py-1 pr-4 font-medium">
                {featureLabel(f)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {days.map((day) => (
            <tr key={day} data-day={day}>
              <td className="py-1 pr-4 font-mono text-xs">{day}</td>
              {features.map((f) => (
                <td key={f} className="py-1 pr-4 tabular-nums">
                  {show(cell(day, f))}
                </td>
              ))}
            </tr>
          ))}
          <tr data-day="total" className="font-semibold">
            <td className="py-1 pr-4">Last {DAYS} days</td>
            {features.map((f) => (
              <td key={f} className="py-1 pr-4 tabular-nums">
                {show(cell(null, f))}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}

/** The organization's AI switches: editable with org:write (owners, admins), shown to everyone else. */
function Switches({ org }: { org: Organization }) {
  const { can } = useAuth();
  const manage = can("org:write");
  const id = useId();
  const action = useAction();
  const form = useSubmit(updateOrgBody, async (body) => {
    await api.org.update(body);
    invalidate("org", "ai-usage");
  });
  const toggle = (body: { ai_auto_analyze?: boolean; ai_redact_emails?: boolean }) =>
    action.run(() => api.org.update(body), "org", "ai-usage");
  return (
    <div className="flex flex-col gap-3 border-t border-zinc-100 pt-4 dark:border-zinc-800">
      {action.error != null && <ErrorNote error={action.error} />}
      <Toggle
        checked={org.ai_auto_analyze}
        disabled={!manage || action.pending}
        onChange={(on) => toggle({ ai_auto_analyze: on })}
        label="Analyze new issues and summarize incidents in the background"
      />
      <Toggle
        checked={org.ai_redact_emails}
        disabled={!manage || action.pending}
        onChange={(on) => toggle({ ai_redact_emails: on })}
        label="Replace email addresses before anything is sent to an AI provider"
      />
      <form
        className="flex flex-col gap-2 sm:flex-row sm:items-end"
        noValidate
        onSubmit={(e: FormEvent<HTMLFormElement>) => {
          e.preventDefault();
          const raw = String(new FormData(e.currentTarget).get("ai_daily_token_budget") ?? "").trim();
          void form.submit({ ai_daily_token_budget: raw === "" ? null : Number(raw) });
        }}
      >
        <div className="flex flex-1 flex-col gap-1">
          <label htmlFor={`${id}-budget`} className="text-sm font-medium">
            Daily token budget
          </label>
          <Input
            id={`${id}-budget`}
            name="ai_daily_token_budget"
            inputMode="numeric"
            placeholder="installation default"
            defaultValue={org.ai_daily_token_budget ?? ""}
            key={org.ai_daily_token_budget ?? "default"}
            disabled={!manage}
            aria-invalid={form.errors.ai_daily_token_budget ? true : undefined}
          />
          <span className="text-xs text-zinc-500">
            Tokens per UTC day; empty for the installation's default, 0 to send nothing to a provider.
          </span>
          {form.errors.ai_daily_token_budget && (
            <span role="alert" className="text-xs text-red-600 dark:text-red-400">
              {form.errors.ai_daily_token_budget}
            </span>
          )}
        </div>
        {manage && (
          <Button type="submit" disabled={form.pending || action.pending}>
            Save budget
          </Button>
        )}
      </form>
      {form.formError != null && <ErrorNote error={form.formError} />}
      {!manage && <p className="text-xs text-zinc-500">Owners and admins change these.</p>}
    </div>
  );
}

/** A labelled checkbox showing a stored switch; it changes once the stored value does. */
function Toggle(props: { checked: boolean; disabled: boolean; onChange(on: boolean): void; label: string }) {
  return (
    <label className="flex items-center gap-2 text-sm">
      <input
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      {props.label}
    </label>
  );
}
