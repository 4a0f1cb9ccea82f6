import { openInBrowser } from "../browser";
import { resolveService, serviceLabel } from "../resolve";
import { type GlobalOptions, openSession } from "../session";

interface OpenOptions extends GlobalOptions {
  dashboard?: boolean;
  print?: boolean;
}

/**
 * `syn open [service]`: opens the service's URL (its first domain) in the browser, or its dashboard page with
 * `--dashboard` or when it has no domain; without a service or link, the dashboard. `--print` only prints it.
 */
export async function open(wanted: string | undefined, opts: OpenOptions): Promise<void> {
  const session = await openSession(opts);
  let url = `${session.url}/dashboard`;
  if (wanted !== undefined || session.link) {
    const service = await resolveService(session, wanted);
    const domain = service.domains[0];
    url =
      domain && !opts.dashboard
        ? `https://${domain}`
        : `${session.url}/projects/${service.project.id}/services/${service.id}`;
    session.out.note(`${serviceLabel(service)}: ${url}`);
  }
  const { out } = session;
  if (opts.print || opts.json) {
    out.result({ url }, () => out.print(url));
    return;
  }
  if (!(await openInBrowser(url))) out.print(url);
}
