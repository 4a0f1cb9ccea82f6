import { createHash } from "node:crypto";
import type { RoutesReportPayload } from "@syntra/contracts";
import type { Logger } from "pino";
import type { AgentConnection } from "./connection";
import { byDomain, type Router } from "./proxy/types";

/** What the report needs of the deploy layer. */
export interface RunningServices {
  runningServices(): Promise<string[]>;
}

/**
 * What the proxy routes for each service this agent runs, read back from the proxy itself (not from the
 * agent's state): a route lost in the proxy shows as no domains.
 */
export async function readRoutesReport(
  router: Router,
  workloads: RunningServices,
  serverId: string,
): Promise<RoutesReportPayload> {
  const [running, routes] = await Promise.all([workloads.runningServices(), router.routes()]);
  const byService = new Map(routes.map((r) => [r.serviceId, r]));
  return {
    server_id: serverId,
    services: running.sort().map((serviceId) => {
      const route = byService.get(serviceId);
      const pems = Object.entries(route?.certificatePems ?? {});
      return {
        service_id: serviceId,
        domains: [...(route?.domains ?? [])].sort(),
        custom_certificates: pems
          .map(([domain, pem]) => ({ domain, sha256: createHash("sha256").update(pem, "utf8").digest("hex") }))
          .sort(byDomain),
      };
    }),
  };
}

/**
 * Sends `routes_report` when asked (on connect, after each deploy and each configure_routes), so the control
 * plane can repair any difference. Requests that come while one is being read fold into one more report after
 * it, which then reflects all of them.
 */
export class RoutesReporter {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly deps: {
      router: Router;
      workloads: RunningServices;
      connection: AgentConnection;
      serverId: string;
      logger: Logger;
    },
  ) {}

  /** Schedules a report; never throws. */
  report(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.send().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.report();
      }
    });
  }

  private async send(): Promise<void> {
    try {
      const { router, workloads, serverId, connection } = this.deps;
      connection.send("routes_report", await readRoutesReport(router, workloads, serverId));
    } catch (err) {
      this.deps.logger.warn({ err }, "could not report the proxy's routes");
    }
  }
}
