import { CliError, EXIT } from "../exit-codes";
import { ago, deployedWhat, statusText } from "../format";
import { resolveService, serviceLabel } from "../resolve";
import { type GlobalOptions, openSession } from "../session";

/** `syn status`: servers and services with their state, like the dashboard's overview. */
export async function status(opts: GlobalOptions): Promise<void> {
  const session = await openSession(opts);
  const [servers, services] = await Promise.all([
    session.api.servers.list({ per_page: 100 }),
    session.api.services.list(),
  ]);
  const { out } = session;
  out.result({ servers, services }, () => {
    const serverName = new Map(servers.map((s) => [s.id, s.name]));
    out.print(out.paint.bold(`Servers (${servers.length})`));
    out.table(
      ["NAME", "STATUS", "HOST", "AGENT", "LAST SEEN"],
      servers.map((s) => [
        s.name,
        statusText(out.paint, s.status),
        s.hostname ?? s.public_ip ?? "-",
        s.agent_version ?? "-",
        ago(s.last_heartbeat_at),
      ]),
    );
    out.print();
    out.print(out.paint.bold(`Services (${services.length})`));
    out.table(
      ["SERVICE", "STATUS", "DEPLOYED", "SERVER", "DOMAINS"],
      services.map((s) => [
        serviceLabel(s),
        s.latest_deployment ? statusText(out.paint, s.latest_deployment.status) : out.paint.dim("never deployed"),
        s.latest_deployment ? `${deployedWhat(s.latest_deployment)} ${ago(s.latest_deployment.created_at)}` : "-",
        serverName.get(s.server_id) ?? s.server_id,
        [...s.domains, ...(s.default_domain ? [s.default_domain] : [])].join(", ") || "-",
      ]),
    );
  });
}

/** `syn projects list`. */
export async function listProjects(opts: GlobalOptions): Promise<void> {
  const session = await openSession(opts);
  const projects = await session.api.projects.list();
  const { out } = session;
  out.result(projects, () =>
    out.table(
      ["NAME", "SLUG", "REPOSITORY", "CREATED"],
      projects.map((p) => [p.name, p.slug, p.git_repo_url ?? "-", ago(p.created_at)]),
    ),
  );
}

/** `syn projects show <project>` (slug, name or id): the project and its services. */
export async function showProject(wanted: string, opts: GlobalOptions): Promise<void> {
  const session = await openSession(opts);
  const projects = await session.api.projects.list();
  const match = projects.find((p) => p.id === wanted || p.slug === wanted || p.name === wanted);
  if (!match) throw new CliError(`No project '${wanted}'`, EXIT.notFound, "syn projects list shows them");
  const project = await session.api.projects.get({ projectId: match.id });
  const { out } = session;
  out.result(project, () => {
    out.print(`${out.paint.bold(project.name)} (${project.slug})  ${out.paint.dim(project.id)}`);
    if (project.description) out.print(project.description);
    if (project.git_repo_url) out.print(`Repository: ${project.git_repo_url} ${project.git_branch ?? ""}`.trimEnd());
    out.print();
    out.table(
      ["SERVICE", "TYPE", "SOURCE", "REPLICAS", "DOMAINS"],
      project.services.map((s) => [s.name, s.type, s.source_type, String(s.replicas), s.domains.join(", ") || "-"]),
    );
  });
}

/** `syn services list [--project p]`. */
export async function listServices(opts: GlobalOptions & { project?: string }): Promise<void> {
  const session = await openSession(opts);
  let services = await session.api.services.list();
  if (opts.project) {
    const p = opts.project;
    services = services.filter((s) => s.project.id === p || s.project.slug === p || s.project.name === p);
  }
  const { out } = session;
  out.result(services, () =>
    out.table(
      ["SERVICE", "STATUS", "SOURCE", "REPLICAS", "DOMAINS", "ID"],
      services.map((s) => [
        serviceLabel(s),
        s.latest_deployment ? statusText(out.paint, s.latest_deployment.status) : out.paint.dim("never deployed"),
        s.source_type,
        String(s.replicas),
        s.domains.join(", ") || "-",
        s.id,
      ]),
    ),
  );
}

/** `syn services show [service]`: settings and recent deployments. */
export async function showService(wanted: string | undefined, opts: GlobalOptions): Promise<void> {
  const session = await openSession(opts);
  const found = await resolveService(session, wanted);
  const service = await session.api.services.get({ serviceId: found.id });
  const { out } = session;
  out.result(service, () => {
    out.print(`${out.paint.bold(serviceLabel(found))}  ${out.paint.dim(service.id)}`);
    const source =
      service.source_type === "image"
        ? `${String(service.source_config.image)}:${String(service.source_config.tag ?? "latest")}`
        : `${service.source_type} ${String(service.source_config.repo_url ?? "")} ${String(service.source_config.branch ?? "")}`;
    out.print(`Source:    ${source.trim()}`);
    out.print(`Type:      ${service.type}, ${service.replicas} replica(s), port ${service.port ?? "-"}`);
    out.print(`Domains:   ${service.domain_statuses.map((d) => `${d.domain} (${d.status})`).join(", ") || "-"}`);
    out.print(`URL:       ${service.default_url ?? "-"}`);
    out.print(`Env vars:  ${service.env_var_count ?? "?"}`);
    out.print();
    out.table(
      ["DEPLOYMENT", "STATUS", "WHAT", "TRIGGER", "CREATED"],
      service.recent_deployments.map((d) => [
        d.id === service.current_deployment_id ? `${d.id} *` : d.id,
        statusText(out.paint, d.status),
        deployedWhat(d),
        d.trigger_type,
        ago(d.created_at),
      ]),
    );
  });
}
