import type { Deployment, Project, Server, Service } from "@syntra/contracts";
import { FolderGit2, Plus, Server as ServerIcon } from "lucide-react";
import { Link } from "react-router";
import { PageHeader } from "../components/layout";
import { OpenLink } from "../components/open-link";
import { Empty, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { buttonVariants } from "../components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "../components/ui/card";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { timeAgo } from "../lib/format";
import { useQuery } from "../lib/query";

interface Overview {
  projects: { project: Project; services: { service: Service; latest: Deployment | undefined }[] }[];
  servers: Server[];
}

/** Three requests whatever the number of projects and services. */
async function loadOverview(withServers: boolean): Promise<Overview> {
  const [projects, services, servers] = await Promise.all([
    api.projects.list(),
    api.services.list(),
    withServers ? api.servers.list({ per_page: 100 }) : Promise.resolve([]),
  ]);
  return {
    projects: projects.map((project) => ({
      project,
      services: services
        .filter((s) => s.project_id === project.id)
        .map((service) => ({ service, latest: service.latest_deployment ?? undefined })),
    })),
    servers,
  };
}

function Stat({ label, value, to }: { label: string; value: string; to: string }) {
  return (
    <Link to={to} className="block">
      <Card className="transition-colors hover:border-indigo-300">
        <CardContent className="pt-4 sm:pt-5">
          <p className="text-sm text-zinc-500">{label}</p>
          <p className="mt-1 text-2xl font-semibold tabular-nums">{value}</p>
        </CardContent>
      </Card>
    </Link>
  );
}

/** /dashboard: projects, their services and their state, servers online. */
export function DashboardPage() {
  const { can } = useAuth();
  const query = useQuery("overview", () => loadOverview(can("servers:read")));
  return (
    <>
      <PageHeader
        title="Dashboard"
        actions={
          can("projects:write") && (
            <Link to="/projects/new" className={buttonVariants()}>
              <Plus /> New project
            </Link>
          )
        }
      />
      <QueryView query={query} rows={4}>
        {({ projects, servers }) => {
          const services = projects.flatMap((p) => p.services);
          const running = services.filter((s) => s.latest?.status === "running").length;
          const online = servers.filter((s) => s.status === "online").length;
          return (
            <div className="flex flex-col gap-6">
              <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
                <Stat label="Projects" value={String(projects.length)} to="/projects" />
                <Stat label="Services running" value={`${running} / ${services.length}`} to="/projects" />
                <Stat label="Servers online" value={`${online} / ${servers.length}`} to="/servers" />
              </div>
              {servers.length === 0 && can("servers:write") && (
                <Empty
                  title="Connect your first server"
                  action={
                    <Link to="/servers/new" className={buttonVariants()}>
                      <ServerIcon /> Add a server
                    </Link>
                  }
                >
                  Syntra runs your apps on servers you own. Install the agent with one command.
                </Empty>
              )}
              {projects.length === 0 ? (
                <Empty title="No projects yet">
                  {can("projects:write") ? "Create a project, then add services to it." : "Nothing to see yet."}
                </Empty>
              ) : (
                <div className="grid gap-4 md:grid-cols-2">
                  {projects.map(({ project, services }) => (
                    <Card key={project.id}>
                      <CardHeader>
                        <CardTitle className="flex items-center gap-2">
                          <FolderGit2 className="size-4 text-zinc-400" aria-hidden />
                          <Link to={`/projects/${project.id}/overview`} className="hover:underline">
                            {project.name}
                          </Link>
                        </CardTitle>
                      </CardHeader>
                      <CardContent>
                        {services.length === 0 ? (
                          <p className="text-sm text-zinc-500">No services.</p>
                        ) : (
                          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
                            {services.map(({ service, latest }) => (
                              <li key={service.id} className="flex items-center justify-between gap-2 py-2">
                                <Link
                                  to={`/projects/${project.id}/services/${service.id}/deployments`}
                                  className="truncate font-medium hover:underline"
                                >
                                  {service.name}
                                </Link>
                                <span className="flex items-center gap-2 text-xs text-zinc-500">
                                  {service.default_url && <OpenLink url={service.default_url} name={service.name} />}
                                  {latest && <span className="hidden sm:inline">{timeAgo(latest.created_at)}</span>}
                                  <StatusBadge status={latest?.status ?? "not deployed"} />
                                </span>
                              </li>
                            ))}
                          </ul>
                        )}
                      </CardContent>
                    </Card>
                  ))}
                </div>
              )}
            </div>
          );
        }}
      </QueryView>
    </>
  );
}
