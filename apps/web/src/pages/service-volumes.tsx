import { type ServiceVolume, updateServiceBody } from "@syntra/contracts";
import { HardDrive, Trash2 } from "lucide-react";
import { Field, invalid } from "../components/field";
import { ErrorNote } from "../components/states";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { Input } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";
import { invalidate } from "../lib/query";
import { useService } from "./service";

/** One volume: where it is mounted, what backs it, and its remove button. */
function VolumeRow({ v, onRemove }: { v: ServiceVolume; onRemove?: (() => void) | undefined }) {
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-volume={v.name}>
      <HardDrive className="size-4 shrink-0 text-zinc-400" aria-hidden />
      <span className="w-1/4 truncate font-mono text-sm font-medium">{v.name}</span>
      <span className="min-w-0 flex-1 truncate font-mono text-sm text-zinc-600 dark:text-zinc-400">
        {v.container_path}
        {v.host_path !== undefined && <span className="text-zinc-500"> ← host {v.host_path}</span>}
      </span>
      {v.host_path !== undefined && <Badge tone="amber">bind mount</Badge>}
      {v.read_only && <Badge>read-only</Badge>}
      {onRemove && (
        <Button size="icon" variant="ghost" aria-label={`Remove volume ${v.name}`} onClick={onRemove}>
          <Trash2 />
        </Button>
      )}
    </li>
  );
}

/**
 * The service's volumes, saved as a whole list through PATCH. Bind mounts (host paths) are offered to owners
 * and admins only; for anyone else a service that has one cannot be edited here (the API would refuse the list).
 */
export function Volumes() {
  const { service } = useService();
  const { can } = useAuth();
  const mayBind = can("servers:write");
  const editable = can("services:write") && (mayBind || service.volumes.every((v) => v.host_path === undefined));
  const remove = useAction();
  const save = async (volumes: ServiceVolume[]) => {
    await api.services.update({ serviceId: service.id, volumes });
    invalidate(`service:${service.id}`);
  };
  const form = useSubmit(updateServiceBody, async (body) => save(body.volumes ?? []));
  const onSubmit = form.submitAndReset((v) => ({
    volumes: [
      ...service.volumes,
      {
        name: v.name,
        container_path: v.container_path,
        ...(mayBind && v.host_path && { host_path: v.host_path }),
        read_only: v.read_only === "on",
      },
    ],
  }));
  const at = service.volumes.length;
  const err = (k: string) => form.errors[`volumes.${at}.${k}`];
  const listError = form.errors.volumes ?? form.errors[`volumes.${at}`];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Volumes</CardTitle>
        <CardDescription>
          Named volumes keep their data across deploys, rollbacks and restarts, on the service's server (Docker volume{" "}
          <span className="font-mono">syntra-{service.id}-&lt;name&gt;</span>); deleting the service keeps them. Old and
          new containers share them while a zero-downtime deploy runs
          {service.type === "database"
            ? "; a database with volumes is deployed with the instant strategy instead (a short downtime) and runs one replica."
            : "."}{" "}
          Changes apply from the next deployment.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {remove.error != null && <ErrorNote error={remove.error} />}
        {service.volumes.length === 0 ? (
          <p className="text-sm text-zinc-500">No volumes: the service's files are lost with each new container.</p>
        ) : (
          <ul aria-label="Volumes" className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {service.volumes.map((v) => (
              <VolumeRow
                key={v.name}
                v={v}
                onRemove={
                  editable
                    ? () => void remove.run(() => save(service.volumes.filter((other) => other.name !== v.name)))
                    : undefined
                }
              />
            ))}
          </ul>
        )}
        {can("services:write") && !editable && (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            This service has a bind mount: only an owner or admin can change its volumes.
          </p>
        )}
        {editable && (
          <form
            className="grid gap-3 sm:grid-cols-[1fr_1fr_1fr_auto_auto] sm:items-start"
            noValidate
            onSubmit={onSubmit}
            aria-label="Add a volume"
          >
            <Field id="volume_name" label="Name" error={err("name")}>
              <Input placeholder="data" autoComplete="off" {...invalid("volume_name", err("name"))} name="name" />
            </Field>
            <Field id="volume_container_path" label="Path in the container" error={err("container_path")}>
              <Input
                placeholder="/data"
                autoComplete="off"
                {...invalid("volume_container_path", err("container_path"))}
                name="container_path"
              />
            </Field>
            {mayBind ? (
              <Field
                id="volume_host_path"
                label="Host path (optional)"
                error={err("host_path")}
                hint="A bind mount of the server's own files; empty for a named volume."
              >
                <Input
                  placeholder="/srv/shared"
                  autoComplete="off"
                  {...invalid("volume_host_path", err("host_path"))}
                  name="host_path"
                />
              </Field>
            ) : (
              <span className="hidden sm:block" />
            )}
            <label className="flex h-9 items-center gap-2 text-sm sm:mt-6">
              <input type="checkbox" name="read_only" className="size-4" /> Read-only
            </label>
            <Button type="submit" className="sm:mt-6" disabled={form.pending}>
              {form.pending ? "Saving…" : "Add volume"}
            </Button>
            {listError && <p className="text-xs text-red-600 dark:text-red-400 sm:col-span-5">{listError}</p>}
            {form.formError != null && <ErrorNote className="sm:col-span-5" error={form.formError} />}
          </form>
        )}
      </CardContent>
    </Card>
  );
}
