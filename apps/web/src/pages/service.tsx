import { type Deployment, triggerDeployBody } from "@syntra/contracts";
import { ExternalLink, Rocket } from "lucide-react";
import { type FormEvent, useEffect, useState } from "react";
import { NavLink, Outlet, useLocation, useMatch, useNavigate, useOutletContext, useParams } from "react-router";
import { Field, invalid } from "../components/field";
import { PageHeader } from "../components/layout";
import { OpenLink } from "../components/open-link";
import { PageBoundary } from "../components/page-boundary";
import { isBuiltFromGit, sourceSummary } from "../components/source-fields";
import { ErrorNote, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { Button } from "../components/ui/button";
import { Dialog } from "../components/ui/dialog";
import { Input, Select } from "../components/ui/input";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";
import { invalidate, useQuery } from "../lib/query";
import { prefetchTraceFirstPage } from "../lib/trace-pages";
import { cn } from "../lib/utils";

type ServiceData = Awaited<ReturnType<typeof api.services.get>>;

/** What the service's tabs share. */
export interface ServiceContext {
  service: ServiceData;
  projectId: string;
}
export const useService = () => useOutletContext<ServiceContext>();

/** Deploys the service: an image tag, or for a service built from git a branch or commit (empty: its branch). */
function DeployDialog({
  service,
  projectId,
  open,
  onClose,
}: {
  service: ServiceData;
  projectId: string;
  open: boolean;
  onClose(): void;
}) {
  const navigate = useNavigate();
  const built = isBuiltFromGit(service.source_type);
  const form = useSubmit(triggerDeployBody, async (body) => {
    const deployment = await api.services.deploy({ serviceId: service.id, ...body });
    invalidate(`service:${service.id}`, "overview", `project:${service.project_id}`);
    onClose();
    // Straight to the new deployment, whose build log streams in.
    navigate(`/projects/${projectId}/services/${service.id}/deployments?d=${deployment.id}`);
  });
  const currentTag = String(service.source_config.tag ?? "latest");
  const branch = typeof service.source_config.branch === "string" ? service.source_config.branch : null;
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const tag = String(data.get("image_tag") ?? "").trim();
    const ref = String(data.get("git_ref") ?? "").trim();
    void form.submit({
      ...(tag && { image_tag: tag }),
      ...(ref && { git_ref: ref }),
      strategy: String(data.get("strategy")),
    });
  };
  return (
    <Dialog open={open} onClose={onClose} title={`Deploy ${service.name}`}>
      <form className="flex flex-col gap-4" noValidate onSubmit={onSubmit}>
        {form.formError != null && <ErrorNote error={form.formError} />}
        {service.source_type === "image" && (
          <Field
            id="image_tag"
            label="Image tag"
            error={form.errors.image_tag}
            hint={`${String(service.source_config.image)}`}
          >
            <Input defaultValue={currentTag} {...invalid("image_tag", form.errors.image_tag)} />
          </Field>
        )}
        {built && (
          <Field
            id="git_ref"
            label="Branch or commit (optional)"
            error={form.errors.git_ref}
            hint={`Empty: the latest commit of ${branch ?? "the project's branch"}. A commit SHA builds that exact commit.`}
          >
            <Input
              placeholder={branch ?? "main"}
              autoComplete="off"
              className="font-mono"
              {...invalid("git_ref", form.errors.git_ref)}
            />
          </Field>
        )}
        <Field id="strategy" label="Strategy">
          <Select id="strategy" name="strategy" defaultValue="rolling">
            <option value="rolling">Rolling (one replica at a time)</option>
            <option value="blue_green">Blue-green (all new, then switch)</option>
          </Select>
        </Field>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={form.pending}>
            {form.pending ? "Starting…" : built ? "Build and deploy" : "Deploy"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** /projects/:id/services/:sid/*: the service header, its tabs, and the tab's page. */
export function ServiceLayout() {
  const { projectId = "", serviceId = "" } = useParams();
  const { can } = useAuth();
  const location = useLocation();
  const [deploying, setDeploying] = useState(false);
  const query = useQuery(`service:${serviceId}`, () => api.services.get({ serviceId }));
  // A trace's address opened afresh: its first page and the waterfall's code load beside the service, not after it.
  const traceId = useMatch("/projects/:projectId/services/:serviceId/traces/:traceId")?.params.traceId;
  useEffect(() => {
    if (!traceId) return;
    prefetchTraceFirstPage(traceId);
    void import("./trace-view");
  }, [traceId]);
  const tabs = [
    ["overview", "Overview"],
    ["traces", "Traces"],
    ["logs", "Logs"],
    ["metrics", "Metrics"],
    ["deployments", "Deployments"],
    ["setup", "Setup"],
    ["settings", "Settings"],
  ];
  // The time range travels between the observability tabs, so switching tabs keeps the view's range.
  const current = new URLSearchParams(location.search);
  const carried = new URLSearchParams();
  for (const name of ["range", "from", "to"]) {
    const value = current.get(name);
    if (value) carried.set(name, value);
  }
  const rangeQuery = carried.size > 0 ? `?${carried.toString()}` : "";
  return (
    <QueryView query={query}>
      {(service) => {
        // A cancelled deployment changed nothing: the service is what the one before it made it.
        const latest: Deployment | undefined = service.recent_deployments.find((d) => d.status !== "cancelled");
        return (
          <>
            <PageHeader
              back={{ to: `/projects/${projectId}/overview`, label: "Project" }}
              title={
                <span className="flex items-center gap-3">
                  {service.name}
                  <span data-testid="service-status">
                    <StatusBadge status={latest?.status ?? "not deployed"} />
                  </span>
                </span>
              }
              description={
                <span className="flex flex-wrap gap-x-3">
                  <span className="min-w-0 break-all">{sourceSummary(service.source_type, service.source_config)}</span>
                  {service.domain_statuses.map(({ domain: d, status }) =>
                    // A wildcard is no address to open, nor a domain whose DNS is not verified yet.
                    d.startsWith("*.") || status === "pending_dns" ? (
                      <span key={d}>
                        {d}
                        {status === "pending_dns" && " (waiting for DNS)"}
                      </span>
                    ) : (
                      <a
                        key={d}
                        href={`http://${d}`}
                        target="_blank"
                        rel="noreferrer"
                        className="inline-flex items-center gap-1 text-indigo-600 hover:underline dark:text-indigo-400"
                      >
                        {d} <ExternalLink className="size-3" aria-hidden />
                      </a>
                    ),
                  )}
                </span>
              }
              actions={
                <span className="flex items-center gap-2">
                  {service.default_url && <OpenLink url={service.default_url} name={service.name} />}
                  {can("deployments:write") && (
                    <Button onClick={() => setDeploying(true)}>
                      <Rocket /> Deploy
                    </Button>
                  )}
                </span>
              }
            />
            <nav
              aria-label="Service"
              className="mb-4 flex gap-1 overflow-x-auto border-b border-zinc-200 dark:border-zinc-800"
            >
              {tabs.map(([to, label]) => (
                <NavLink
                  key={to}
                  to={`/projects/${projectId}/services/${serviceId}/${to}${to === "deployments" || to === "settings" ? "" : rangeQuery}`}
                  className={({ isActive }) =>
                    cn(
                      "-mb-px border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap",
                      isActive
                        ? "border-indigo-600 text-zinc-900 dark:text-zinc-100"
                        : "border-transparent text-zinc-500 hover:text-zinc-800",
                    )
                  }
                >
                  {label}
                </NavLink>
              ))}
            </nav>
            <PageBoundary resetKey={location.pathname}>
              <Outlet context={{ service, projectId } satisfies ServiceContext} />
            </PageBoundary>
            <DeployDialog
              service={service}
              projectId={projectId}
              open={deploying}
              onClose={() => setDeploying(false)}
            />
          </>
        );
      }}
    </QueryView>
  );
}
