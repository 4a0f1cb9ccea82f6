import { createProjectBody, createServiceBody } from "@syntra/contracts";
import { Bug, Plus } from "lucide-react";
import type { FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { Field, invalid } from "../components/field";
import { PageHeader } from "../components/layout";
import { OpenLink } from "../components/open-link";
import { SourceFields, sourceFromForm, sourceSummary } from "../components/source-fields";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { Button, buttonVariants } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { Input, Select, Textarea } from "../components/ui/input";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { formValues, useSubmit } from "../lib/form";
import { timeAgo } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";

/** /projects */
export function ProjectsPage() {
  const { can } = useAuth();
  const query = useQuery("projects", () => api.projects.list());
  return (
    <>
      <PageHeader
        title="Projects"
        actions={
          can("projects:write") && (
            <Link to="/projects/new" className={buttonVariants()}>
              <Plus /> New project
            </Link>
          )
        }
      />
      <QueryView query={query}>
        {(projects) =>
          projects.length === 0 ? (
            <Empty title="No projects yet">A project groups the services of one application.</Empty>
          ) : (
            <ul className="grid gap-3 md:grid-cols-2">
              {projects.map((p) => (
                <li key={p.id}>
                  <Link to={`/projects/${p.id}/overview`} className="block">
                    <Card className="transition-colors hover:border-indigo-300">
                      <CardHeader>
                        <CardTitle>{p.name}</CardTitle>
                        <CardDescription>{p.description || p.slug}</CardDescription>
                      </CardHeader>
                      <CardContent className="text-xs text-zinc-500">Updated {timeAgo(p.updated_at)}</CardContent>
                    </Card>
                  </Link>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </>
  );
}

/** /projects/new */
export function NewProjectPage() {
  const navigate = useNavigate();
  const form = useSubmit(createProjectBody, async (body) => {
    const p = await api.projects.create(body);
    invalidate("projects", "overview");
    navigate(`/projects/${p.id}/overview`);
  });
  return (
    <>
      <PageHeader title="New project" back={{ to: "/projects", label: "Projects" }} />
      <Card className="max-w-xl">
        <CardContent className="pt-4 sm:pt-5">
          <form
            className="flex flex-col gap-4"
            noValidate
            onSubmit={(e) => {
              const v = formValues(e);
              void form.submit({ name: v.name, ...(v.description && { description: v.description }) });
            }}
          >
            {form.formError != null && <ErrorNote error={form.formError} />}
            <Field id="name" label="Name" error={form.errors.name}>
              <Input placeholder="Shop" {...invalid("name", form.errors.name)} />
            </Field>
            <Field id="description" label="Description (optional)" error={form.errors.description}>
              <Textarea {...invalid("description", form.errors.description)} />
            </Field>
            <Button type="submit" className="self-start" disabled={form.pending}>
              {form.pending ? "Creating…" : "Create project"}
            </Button>
          </form>
        </CardContent>
      </Card>
    </>
  );
}

/** /projects/:id/overview: the project's services and their state. */
export function ProjectOverviewPage() {
  const { projectId = "" } = useParams();
  const { can } = useAuth();
  const query = useQuery(`project:${projectId}`, async () => {
    // The services come from the overview list, which carries each one's newest deployment.
    const [project, services] = await Promise.all([
      api.projects.get({ projectId }),
      api.services.list({ project_id: projectId }),
    ]);
    return { project, services };
  });
  return (
    <QueryView query={query}>
      {({ project, services }) => (
        <>
          <PageHeader
            title={project.name}
            description={project.description}
            back={{ to: "/projects", label: "Projects" }}
            actions={
              <>
                <Link to={`/projects/${project.id}/issues`} className={buttonVariants({ variant: "secondary" })}>
                  <Bug /> Issues
                </Link>
                {can("services:write") && (
                  <Link to={`/projects/${project.id}/services/new`} className={buttonVariants()}>
                    <Plus /> New service
                  </Link>
                )}
              </>
            }
          />
          {services.length === 0 ? (
            <Empty title="No services yet">
              A service is one container image (or repository) deployed on a server.
            </Empty>
          ) : (
            <ul className="grid gap-3">
              {services.map((s) => (
                <li key={s.id}>
                  <Card className="transition-colors hover:border-indigo-300">
                    <CardContent className="flex flex-col gap-1 pt-4 sm:flex-row sm:items-center sm:justify-between sm:pt-5">
                      <Link
                        to={`/projects/${project.id}/services/${s.id}/deployments`}
                        className="block min-w-0 flex-1"
                      >
                        <p className="font-medium">{s.name}</p>
                        <p className="truncate text-sm text-zinc-500">
                          {sourceSummary(s.source_type, s.source_config)}
                          {s.domains.length > 0 && ` · ${s.domains.join(", ")}`}
                        </p>
                      </Link>
                      <span className="flex items-center gap-2">
                        {s.default_url && <OpenLink url={s.default_url} name={s.name} />}
                        <StatusBadge status={s.latest_deployment?.status ?? "not deployed"} />
                      </span>
                    </CardContent>
                  </Card>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </QueryView>
  );
}

/** /projects/:id/services/new: a service from an image, or built from a git repository. */
export function NewServicePage() {
  const { projectId = "" } = useParams();
  const navigate = useNavigate();
  const servers = useQuery("servers", () => api.servers.list({ per_page: 100 }));
  const form = useSubmit(createServiceBody, async (body) => {
    const s = await api.projects.createService({ projectId, ...body });
    invalidate(`project:${projectId}`, "overview");
    navigate(`/projects/${projectId}/services/${s.id}/deployments`);
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const v = formValues(e);
    const domains = (v.domains ?? "").split(/[\s,]+/).filter(Boolean);
    void form.submit({
      name: v.name,
      server_id: v.server_id,
      ...sourceFromForm(v),
      ...(v.port && { port: Number(v.port) }),
      ...(v.replicas && { replicas: Number(v.replicas) }),
      ...(domains.length > 0 && { domains }),
      ...(v.health_path && { health_check: { type: "http", path: v.health_path } }),
    });
  };
  const err = (k: string) => form.errors[k];
  return (
    <>
      <PageHeader title="New service" back={{ to: `/projects/${projectId}/overview`, label: "Project" }} />
      <Card className="max-w-3xl">
        <CardContent className="pt-4 sm:pt-5">
          <form className="grid gap-4 sm:grid-cols-2" noValidate onSubmit={onSubmit}>
            {form.formError != null && <ErrorNote className="sm:col-span-2" error={form.formError} />}
            <Field id="name" label="Name" error={err("name")} hint="Lowercase letters, digits and dashes.">
              <Input placeholder="web" {...invalid("name", err("name"))} />
            </Field>
            <Field id="server_id" label="Server" error={err("server_id")}>
              <Select {...invalid("server_id", err("server_id"))} disabled={!servers.data}>
                {(servers.data ?? []).map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.status})
                  </option>
                ))}
              </Select>
            </Field>
            <SourceFields errors={form.errors} />
            <Field id="port" label="Port" error={err("port")} hint="The port your app listens on.">
              <Input inputMode="numeric" placeholder="8080" {...invalid("port", err("port"))} />
            </Field>
            <Field id="replicas" label="Replicas" error={err("replicas")}>
              <Input inputMode="numeric" placeholder="1" {...invalid("replicas", err("replicas"))} />
            </Field>
            <Field id="domains" label="Domains (optional)" error={err("domains") ?? err("domains.0")}>
              <Input placeholder="shop.example.com" {...invalid("domains", err("domains"))} />
            </Field>
            <Field id="health_path" label="Health check path (optional)" error={err("health_check.path")}>
              <Input placeholder="/healthz" {...invalid("health_path", err("health_check.path"))} />
            </Field>
            <div className="sm:col-span-2">
              <Button type="submit" disabled={form.pending}>
                {form.pending ? "Creating…" : "Create service"}
              </Button>
            </div>
          </form>
        </CardContent>
      </Card>
    </>
  );
}
