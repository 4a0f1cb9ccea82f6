import type { AppDeps } from "../deps";
import { wakeableLoop } from "../lib/wakeable-loop";
import { analyzeNewIssues } from "./background";
import { summarizeNewIncidents } from "./summarize-incident";

/** The background AI work of one control plane. */
export interface AiWorker {
  /** New issues or incidents were stored: take them now rather than at the next safety pass. */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * Starts the loop: a pass summarizing new alert incidents, then one analyzing new issues; never two at once; a failed
 * pass is logged and the next one tries again. A pass runs when woken (an issue was created by this process's error
 * ingestion, an alert evaluation here fired) and at least every `everyMs` for what other replicas stored and for the
 * issues an organization's hourly count held back. The AI is never on the path of an event's ingestion or of an
 * alert's notification: a wake only schedules the pass.
 */
export function startAiWorker(deps: AppDeps, everyMs = 60_000): AiWorker {
  const pass = async () => {
    // Incidents first: few, and someone is being paged for them.
    const incidents = await summarizeNewIncidents(deps);
    if (incidents.summarized + incidents.notSummarized > 0)
      deps.logger.info({ ...incidents }, "alert incidents summarized in the background");
    const issues = await analyzeNewIssues(deps);
    if (issues.analyzed + issues.notAnalyzed > 0)
      deps.logger.info({ ...issues }, "new issues analyzed in the background");
    return null;
  };
  const loop = wakeableLoop({
    pass,
    maxWaitMs: everyMs,
    startAfterWait: true,
    onError: (err) => deps.logger.error({ err }, "background AI pass failed"),
  });
  return { wake: () => (deps.ai.enabled ? loop.wake() : undefined), stop: () => loop.stop() };
}
