import type { ServiceOverview } from "@syntra/contracts";
import { openInBrowser } from "../browser";
import { resolveService, serviceLabel } from "../resolve";
import { type GlobalOptions, openSession } from "../session";

interface OpenOptions extends GlobalOptions {
  dashboard?: boolean;
  print?: boolean;
}

/**
 * The address a service answers on: its first custom domain that serves HTTPS (active), else its default URL
 * (which knows the scheme and the proxy's port), else its first custom domain; null when it has none.
 */
export function serviceUrl(service: ServiceOverview): string | null {
  const active = service.domain_statuses.find((d) => d.status === "active");
  if (active) return `https://${active.domain}`;
  if (service.default_url) return service.default_url;
  const first = service.domains[0];
  return first ? `https://${first}` : null;
}

/**
 * `syn open [service]`: opens the service's URL (see serviceUrl) in the browser, or its dashboard page with
 * `--dashboard` or when it has none; without a service or link, the dashboard. `--print` only prints it.
 */
export async function open(wanted: string | undefined, opts: OpenOptions): Promise<void> {
  const session = await openSession(opts);
  let url = `${session.url}/dashboard`;
  if (wanted !== undefined || session.link) {
    const service = await resolveService(session, wanted);
    const own = opts.dashboard ? null : serviceUrl(service);
    url = own ?? `${session.url}/projects/${service.project.id}/services/${service.id}`;
    session.out.note(`${serviceLabel(service)}: ${url}`);
  }
  const { out } = session;
  if (opts.print || opts.json) {
    out.result({ url }, () => out.print(url));
    return;
  }
  if (!(await openInBrowser(url))) out.print(url);
}
