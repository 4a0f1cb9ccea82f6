import { findLink, removeLink, writeLink } from "../config/link";
import { CliError, EXIT } from "../exit-codes";
import { Output } from "../output";
import { resolveService, serviceLabel } from "../resolve";
import { type GlobalOptions, openSession } from "../session";

/**
 * `syn link [service]`: links this directory to a service (writes .syntra/link.toml), so deploy, logs, env and
 * exec need no service here or below. Without a service, shows the current link.
 */
export async function link(wanted: string | undefined, opts: GlobalOptions): Promise<void> {
  if (wanted === undefined) {
    const out = new Output(opts.json === true);
    const found = findLink();
    if (!found) throw new CliError("This directory is not linked", EXIT.notFound, "syn link <service> links it");
    out.result({ file: found.file, ...found.link }, () =>
      out.print(`Linked to ${found.link.project}/${found.link.service} on ${found.link.url} (${found.file})`),
    );
    return;
  }
  const session = await openSession(opts);
  const service = await resolveService(session, wanted);
  const me = await session.api.auth.me();
  if (!me.org) throw new CliError("You are in no organization", EXIT.forbidden);
  const record = {
    url: session.url,
    org_id: me.org.id,
    project_id: service.project.id,
    project: service.project.slug,
    service_id: service.id,
    service: service.name,
  };
  const file = writeLink(record);
  session.out.result({ file, ...record }, () =>
    session.out.print(`Linked this directory to ${serviceLabel(service)} (${file})`),
  );
}

/** `syn unlink`: removes this directory's link. */
export function unlink(opts: GlobalOptions): void {
  const out = new Output(opts.json === true);
  const removed = removeLink();
  out.result({ removed }, () => out.print(removed ? "Unlinked this directory" : "This directory was not linked"));
}
