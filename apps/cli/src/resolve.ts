import type { ServiceOverview } from "@syntra/contracts";
import { CliError, EXIT } from "./exit-codes";
import type { Session } from "./session";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The service a command acts on: named as `name`, `project/name` (project slug or name) or its id, or, with none
 * given, the one this directory is linked to (`syn link`). A name two projects share must be qualified.
 */
export async function resolveService(session: Session, given: string | undefined): Promise<ServiceOverview> {
  const wanted = given ?? session.link?.service_id;
  if (!wanted) {
    throw new CliError(
      "Name a service",
      EXIT.usage,
      "Give its name (or project/name), or run syn link in this directory",
    );
  }
  const all = await session.api.services.list();
  if (UUID.test(wanted)) {
    const byId = all.find((s) => s.id === wanted);
    if (byId) return byId;
    throw new CliError(
      `No service ${wanted}`,
      EXIT.notFound,
      given ? undefined : "This directory's link is stale: run syn link again",
    );
  }
  const slash = wanted.indexOf("/");
  const [project, name] = slash === -1 ? [undefined, wanted] : [wanted.slice(0, slash), wanted.slice(slash + 1)];
  const matches = all.filter(
    (s) => s.name === name && (project === undefined || s.project.slug === project || s.project.name === project),
  );
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length === 0) {
    throw new CliError(`No service '${wanted}'`, EXIT.notFound, "syn services list shows them");
  }
  const options = matches.map((s) => `${s.project.slug}/${s.name}`).join(", ");
  throw new CliError(`'${wanted}' names several services: ${options}`, EXIT.usage, "Qualify it as project/service");
}

/** `project/service`, how the CLI names a service to people. */
export function serviceLabel(service: Pick<ServiceOverview, "name" | "project">): string {
  return `${service.project.slug}/${service.name}`;
}
