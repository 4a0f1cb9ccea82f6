import type { AppDeps } from "../deps";
import { analyzeNewIssues } from "./background";
import { summarizeNewIncidents } from "./summarize-incident";

/** The background AI work of one control plane. */
export interface AiWorker {
  stop(): Promise<void>;
}

/**
 * Starts the loop: every `everyMs` a pass summarizing new alert incidents, then one analyzing new issues; never two
 * at once; a failed pass is logged and the next tick tries again. New issues and incidents wait for the next pass
 * (at most `everyMs`): the AI is never on the path of an event's ingestion or of an alert's notification.
 */
export function startAiWorker(deps: AppDeps, everyMs = 10_000): AiWorker {
  let busy: Promise<void> | null = null;
  let stopped = false;
  const pass = async () => {
    // Incidents first: few, and someone is being paged for them.
    const incidents = await summarizeNewIncidents(deps);
    if (incidents.summarized + incidents.notSummarized > 0)
      deps.logger.info({ ...incidents }, "alert incidents summarized in the background");
    const issues = await analyzeNewIssues(deps);
    if (issues.analyzed + issues.notAnalyzed > 0)
      deps.logger.info({ ...issues }, "new issues analyzed in the background");
  };
  const tick = () => {
    if (stopped || busy) return;
    busy = pass()
      .catch((err: unknown) => deps.logger.error({ err }, "background AI pass failed"))
      .finally(() => {
        busy = null;
      });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await busy;
    },
  };
}
