import { createDomainBody, putEnvBody, updateServiceBody } from "@syntra/contracts";
import { Eye, EyeOff, RefreshCw, Trash2 } from "lucide-react";
import { type FormEvent, useState } from "react";
import { Field, invalid } from "../components/field";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { Input } from "../components/ui/input";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";
import { invalidate, useQuery } from "../lib/query";
import { useService } from "./service";

const read = (e: FormEvent<HTMLFormElement>) => {
  e.preventDefault();
  return Object.fromEntries([...new FormData(e.currentTarget).entries()].map(([k, v]) => [k, String(v).trim()]));
};

function GeneralSettings() {
  const { service } = useService();
  const { can } = useAuth();
  const [saved, setSaved] = useState(false);
  const form = useSubmit(updateServiceBody, async (body) => {
    await api.services.update(service.id, body);
    invalidate(`service:${service.id}`);
    setSaved(true);
  });
  const editable = can("services:write");
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    setSaved(false);
    const v = read(e);
    void form.submit({
      ...(service.source_type === "image" && { source_config: { image: v.image, tag: v.tag || "latest" } }),
      port: v.port ? Number(v.port) : null,
      replicas: Number(v.replicas),
      cpu_limit: v.cpu_limit || null,
      memory_limit: v.memory_limit || null,
      health_check: v.health_path ? { type: "http", path: v.health_path } : null,
    });
  };
  const err = (k: string) => form.errors[k];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Source and resources</CardTitle>
        <CardDescription>Changes apply from the next deployment.</CardDescription>
      </CardHeader>
      <CardContent>
        <form className="grid gap-4 sm:grid-cols-2" noValidate onSubmit={onSubmit}>
          {form.formError != null && <ErrorNote className="sm:col-span-2" error={form.formError} />}
          {service.source_type === "image" ? (
            <>
              <Field id="image" label="Image" error={err("source_config.image")}>
                <Input
                  defaultValue={String(service.source_config.image ?? "")}
                  disabled={!editable}
                  {...invalid("image")}
                />
              </Field>
              <Field id="tag" label="Tag" error={err("source_config.tag")}>
                <Input
                  defaultValue={String(service.source_config.tag ?? "")}
                  disabled={!editable}
                  {...invalid("tag")}
                />
              </Field>
            </>
          ) : (
            <p className="text-sm sm:col-span-2">
              Built from git ({service.source_type}
              {service.source_config.repo_url ? `, ${String(service.source_config.repo_url)}` : ""}).
            </p>
          )}
          <Field id="port" label="Port" error={err("port")}>
            <Input
              defaultValue={service.port ?? ""}
              inputMode="numeric"
              disabled={!editable}
              {...invalid("port", err("port"))}
            />
          </Field>
          <Field id="replicas" label="Replicas" error={err("replicas")}>
            <Input
              defaultValue={service.replicas}
              inputMode="numeric"
              disabled={!editable}
              {...invalid("replicas", err("replicas"))}
            />
          </Field>
          <Field id="cpu_limit" label="CPU limit" error={err("cpu_limit")} hint='e.g. "0.5"'>
            <Input
              defaultValue={service.cpu_limit ?? ""}
              disabled={!editable}
              {...invalid("cpu_limit", err("cpu_limit"))}
            />
          </Field>
          <Field id="memory_limit" label="Memory limit" error={err("memory_limit")} hint='e.g. "512m"'>
            <Input
              defaultValue={service.memory_limit ?? ""}
              disabled={!editable}
              {...invalid("memory_limit", err("memory_limit"))}
            />
          </Field>
          <Field
            id="health_path"
            label="HTTP health check path"
            error={err("health_check.path")}
            hint="Empty: no check."
          >
            <Input
              defaultValue={service.health_check?.path ?? ""}
              disabled={!editable}
              {...invalid("health_path", err("health_check.path"))}
            />
          </Field>
          {editable && (
            <div className="flex items-center gap-3 sm:col-span-2">
              <Button type="submit" disabled={form.pending}>
                {form.pending ? "Saving…" : "Save"}
              </Button>
              {saved && (
                <span role="status" className="text-sm text-emerald-700">
                  Saved.
                </span>
              )}
            </div>
          )}
        </form>
      </CardContent>
    </Card>
  );
}

function EnvVars() {
  const { service } = useService();
  const { can } = useAuth();
  const [reveal, setReveal] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const query = useQuery(`service:${service.id}:env:${reveal}`, () => api.env.list(service.id, reveal));
  const form = useSubmit(putEnvBody, async (body) => {
    await api.env.put(service.id, body);
    invalidate(`service:${service.id}`);
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const target = e.currentTarget;
    const v = read(e);
    void form.submit({ variables: [{ key: v.key, value: v.value, is_secret: v.is_secret === "on" }] }).then(() => {
      if (target.isConnected) target.reset();
    });
  };
  const keyError = form.errors["variables.0.key"] ?? form.errors.variables;
  return (
    <Card>
      <CardHeader className="flex-row items-start justify-between gap-2">
        <div>
          <CardTitle>Environment variables</CardTitle>
          <CardDescription>Encrypted at rest. Secret values are masked.</CardDescription>
        </div>
        {can("env:reveal") && (
          <Button size="sm" variant="secondary" aria-pressed={reveal} onClick={() => setReveal(!reveal)}>
            {reveal ? <EyeOff /> : <Eye />} {reveal ? "Hide values" : "Reveal values"}
          </Button>
        )}
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {actionError != null && <ErrorNote error={actionError} />}
        <QueryView query={query}>
          {(vars) =>
            vars.length === 0 ? (
              <p className="text-sm text-zinc-500">No variables.</p>
            ) : (
              <ul aria-label="Environment variables" className="divide-y divide-zinc-100 dark:divide-zinc-800">
                {vars.map((v) => (
                  <li key={v.key} className="flex items-center gap-3 py-2" data-env={v.key}>
                    <span className="w-1/3 truncate font-mono text-sm font-medium">{v.key}</span>
                    <span
                      className="flex-1 truncate font-mono text-sm text-zinc-600 dark:text-zinc-400"
                      data-testid="env-value"
                    >
                      {v.value}
                    </span>
                    {v.is_secret && <span className="text-xs text-zinc-500">secret</span>}
                    {can("env:write") && (
                      <Button
                        size="icon"
                        variant="ghost"
                        aria-label={`Delete ${v.key}`}
                        onClick={async () => {
                          setActionError(null);
                          try {
                            await api.env.remove(service.id, v.key);
                            invalidate(`service:${service.id}`);
                          } catch (err) {
                            setActionError(err);
                          }
                        }}
                      >
                        <Trash2 />
                      </Button>
                    )}
                  </li>
                ))}
              </ul>
            )
          }
        </QueryView>
        {can("env:write") && (
          <form className="grid gap-3 sm:grid-cols-[1fr_1fr_auto_auto] sm:items-end" noValidate onSubmit={onSubmit}>
            <Field id="key" label="Key" error={keyError}>
              <Input placeholder="DATABASE_URL" autoComplete="off" {...invalid("key", keyError)} />
            </Field>
            <Field id="value" label="Value" error={form.errors["variables.0.value"]}>
              <Input type="password" autoComplete="new-password" {...invalid("value")} />
            </Field>
            <label className="flex h-9 items-center gap-2 text-sm">
              <input type="checkbox" name="is_secret" defaultChecked className="size-4" /> Secret
            </label>
            <Button type="submit" disabled={form.pending}>
              {form.pending ? "Saving…" : "Set variable"}
            </Button>
            {form.formError != null && <ErrorNote className="sm:col-span-4" error={form.formError} />}
          </form>
        )}
      </CardContent>
    </Card>
  );
}

function Domains() {
  const { service } = useService();
  const { can } = useAuth();
  const [actionError, setActionError] = useState<unknown>(null);
  const query = useQuery(`service:${service.id}:domains`, () => api.domains.list(service.id));
  const form = useSubmit(createDomainBody, async (body) => {
    await api.domains.add(service.id, body);
    invalidate(`service:${service.id}`);
  });
  const act = async (fn: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await fn();
      invalidate(`service:${service.id}`);
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>Domains</CardTitle>
        <CardDescription>Routed once their DNS points at the service's server; HTTPS follows.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {actionError != null && <ErrorNote error={actionError} />}
        <QueryView query={query}>
          {(domains) =>
            domains.length === 0 ? (
              <Empty title="No custom domain" />
            ) : (
              <ul className="flex flex-col gap-3">
                {domains.map((d) => (
                  <li
                    key={d.id}
                    className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800"
                    data-domain={d.domain}
                  >
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="font-medium">{d.domain}</span>
                      <StatusBadge status={d.status} />
                      {"certificate" in d && d.certificate && typeof d.certificate === "object" && (
                        <span className="text-xs text-zinc-500">
                          certificate: {String((d.certificate as { status: string }).status)}
                        </span>
                      )}
                      {can("services:write") && (
                        <span className="ml-auto flex gap-1">
                          <Button
                            size="sm"
                            variant="secondary"
                            onClick={() => act(() => api.domains.verify(service.id, d.domain))}
                          >
                            <RefreshCw /> Check DNS
                          </Button>
                          <Button
                            size="icon"
                            variant="ghost"
                            aria-label={`Remove ${d.domain}`}
                            onClick={() => act(() => api.domains.remove(service.id, d.domain))}
                          >
                            <Trash2 />
                          </Button>
                        </span>
                      )}
                    </div>
                    {d.status_reason && (
                      <p className="mt-1 text-sm text-amber-700 dark:text-amber-400">{d.status_reason}</p>
                    )}
                    {d.status === "pending_dns" && d.dns_records.length > 0 && (
                      <div className="mt-2 overflow-x-auto">
                        <p className="text-xs text-zinc-500">Create one of these records at your DNS provider:</p>
                        <table className="mt-1 text-left font-mono text-xs">
                          <tbody>
                            {d.dns_records.map((r) => (
                              <tr key={`${r.type}${r.value}`}>
                                <td className="pr-4">{r.type}</td>
                                <td className="pr-4">{r.name}</td>
                                <td>{r.value}</td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      </div>
                    )}
                  </li>
                ))}
              </ul>
            )
          }
        </QueryView>
        {can("services:write") && (
          <form
            className="flex flex-col gap-3 sm:flex-row sm:items-end"
            noValidate
            onSubmit={(e) => {
              const target = e.currentTarget;
              void form.submit({ domain: read(e).domain }).then(() => target.isConnected && target.reset());
            }}
          >
            <div className="flex-1">
              <Field id="domain" label="Add a domain" error={form.errors.domain}>
                <Input placeholder="shop.example.com" {...invalid("domain", form.errors.domain)} />
              </Field>
            </div>
            <Button type="submit" disabled={form.pending}>
              Add domain
            </Button>
          </form>
        )}
        {form.formError != null && <ErrorNote error={form.formError} />}
      </CardContent>
    </Card>
  );
}

/** The Settings tab of a service. */
export function ServiceSettingsPage() {
  return (
    <div className="flex flex-col gap-4">
      <GeneralSettings />
      <EnvVars />
      <Domains />
    </div>
  );
}
