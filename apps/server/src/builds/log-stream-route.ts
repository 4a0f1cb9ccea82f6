import { apiRoutes } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { deployments } from "../db/schema";
import { getDeploymentRow } from "../deployments/deployments";
import { implement } from "../http/route";
import { openSse } from "../live/sse";
import { projectScope } from "../projects/routes";

const TERMINAL = new Set(["running", "failed", "rolled_back", "cancelled"]);
const POLL_MS = 500;

/**
 * GET /deployments/:id/logs/stream: a deployment's build output and deploy progress as Server-Sent Events,
 * from the start (what is stored) and then live, ending once the deployment is over. It follows the stored
 * rows, so it works whichever control-plane replica builds, and a reconnecting client never misses a line.
 * Events: `build` {text} (new build output, whole lines), `deploy` {entry}, `status` {status}, `end`.
 */
export const deploymentLogStreamRoute = implement(apiRoutes.deployments.logStream, {
  handler: async ({ auth, deps, params, req, reply }) => {
    const row = await getDeploymentRow(deps.db, projectScope(auth), params.deploymentId);
    const stream = openSse(req, reply);
    let sentChars = 0;
    let sentEntries = 0;
    let lastStatus = "";
    const tick = async (): Promise<void> => {
      const [now] = await deps.db.select().from(deployments).where(eq(deployments.id, row.id));
      if (!now || stream.closed) return stream.close();
      const logs = now.buildLogs ?? "";
      if (logs.length > sentChars) {
        stream.send("build", { text: logs.slice(sentChars) });
        sentChars = logs.length;
      }
      for (const entry of now.deployLog.slice(sentEntries)) stream.send("deploy", { entry });
      sentEntries = now.deployLog.length;
      const status = now.status ?? "queued";
      if (status !== lastStatus) stream.send("status", { status });
      lastStatus = status;
      if (TERMINAL.has(status)) {
        stream.send("end", { status });
        return stream.close();
      }
      const timer = setTimeout(() => void tick().catch(() => stream.close()), POLL_MS);
      stream.onClose(() => clearTimeout(timer));
    };
    await tick();
    return undefined;
  },
});
