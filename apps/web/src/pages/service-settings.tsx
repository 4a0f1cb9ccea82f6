import { updateServiceBody } from "@syntra/contracts";
import { type FormEvent, useState } from "react";
import { Field, invalid } from "../components/field";
import { isBuiltFromGit, SourceFields, sourceFromForm } from "../components/source-fields";
import { ErrorNote } from "../components/states";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { Input } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { formValues, useSubmit } from "../lib/form";
import { invalidate } from "../lib/query";
import { useService } from "./service";
import { Domains } from "./service-domains";
import { EnvVars } from "./service-env";
import { GitAccess, Webhook } from "./service-git";
import { Volumes } from "./service-volumes";

/** Source, port, replicas, limits and health check. */
function GeneralSettings() {
  const { service } = useService();
  const { can } = useAuth();
  const [saved, setSaved] = useState(false);
  const form = useSubmit(updateServiceBody, async (body) => {
    await api.services.update({ serviceId: service.id, ...body });
    invalidate(`service:${service.id}`);
    setSaved(true);
  });
  const editable = can("services:write");
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    setSaved(false);
    const v = formValues(e);
    void form.submit({
      ...(service.source_type !== "docker_compose" && sourceFromForm(v)),
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
        <CardDescription>Changes apply from the next deployment (for git sources: the next build).</CardDescription>
      </CardHeader>
      <CardContent>
        <form className="grid gap-4 sm:grid-cols-2" noValidate onSubmit={onSubmit}>
          {form.formError != null && <ErrorNote className="sm:col-span-2" error={form.formError} />}
          {service.source_type === "docker_compose" ? (
            <p className="text-sm sm:col-span-2">Built from {String(service.source_config.compose_path)}.</p>
          ) : (
            <SourceFields
              defaultType={service.source_type}
              config={service.source_config}
              errors={form.errors}
              disabled={!editable}
            />
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

/** The generated address the service answers on with no DNS set up, and the switch to turn it off. */
function DefaultDomain() {
  const { service } = useService();
  const { can } = useAuth();
  const action = useAction();
  const enabled = service.default_domain_enabled;
  const toggle = () =>
    action.run(
      () => api.services.update({ serviceId: service.id, default_domain_enabled: !enabled }),
      `service:${service.id}`,
    );
  return (
    <Card>
      <CardHeader>
        <CardTitle>Default domain</CardTitle>
        <CardDescription>
          Routed as soon as the service runs, with no DNS to set up. Turned off and on again, it takes a name from the
          service's and project's names of now.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-wrap items-center justify-between gap-3">
        <p className="min-w-0 break-all text-sm" data-testid="default-url">
          {service.default_url ?? (enabled ? "Known once the server's agent has connected" : "Off")}
        </p>
        {can("services:write") && (
          <Button variant="secondary" size="sm" disabled={action.pending} onClick={() => void toggle()}>
            {enabled ? "Turn off" : "Turn on"}
          </Button>
        )}
        {action.error !== null && <ErrorNote error={action.error} className="w-full" />}
      </CardContent>
    </Card>
  );
}

/** The Settings tab of a service. */
export function ServiceSettingsPage() {
  const { service } = useService();
  return (
    <div className="flex flex-col gap-4">
      <GeneralSettings />
      <DefaultDomain />
      {isBuiltFromGit(service.source_type) && (
        <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
          <GitAccess />
          <Webhook />
        </div>
      )}
      <EnvVars />
      <Volumes />
      <Domains />
    </div>
  );
}
