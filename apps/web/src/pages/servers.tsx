import { createServerBody, type Server } from "@syntra/contracts";
import { CheckCircle2, Loader2, Plus } from "lucide-react";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { SecretBox } from "../components/copy";
import { Field, invalid } from "../components/field";
import { PageHeader } from "../components/layout";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { Button, buttonVariants } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { Input } from "../components/ui/input";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";
import { bytes, timeAgo } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";

function hostFacts(s: Server): string {
  const parts = [
    s.hostname,
    s.public_ip ?? s.private_ip,
    s.os_name && `${s.os_name} ${s.os_version ?? ""}`.trim(),
    s.cpu_cores && `${s.cpu_cores} CPU`,
    s.memory_mb && `${Math.round(s.memory_mb / 1024)} GB RAM`,
  ];
  return parts.filter(Boolean).join(" · ") || "Waiting for the agent's first hello";
}

/** /servers: every server, online or not, live. */
export function ServersPage() {
  const { can } = useAuth();
  const query = useQuery("servers", () => api.servers.list({ per_page: 100 }));
  return (
    <>
      <PageHeader
        title="Servers"
        description="Machines running the Syntra agent."
        actions={
          can("servers:write") && (
            <Link to="/servers/new" className={buttonVariants()}>
              <Plus /> Add server
            </Link>
          )
        }
      />
      <QueryView query={query}>
        {(servers) =>
          servers.length === 0 ? (
            <Empty title="No servers yet">
              {can("servers:write") ? "Add a server and run its install command there." : "An admin adds servers."}
            </Empty>
          ) : (
            <ul className="grid gap-3">
              {servers.map((s) => (
                <li key={s.id}>
                  <Link to={`/servers/${s.id}`} className="block">
                    <Card className="transition-colors hover:border-indigo-300">
                      <CardContent className="flex flex-col gap-1 pt-4 sm:flex-row sm:items-center sm:justify-between sm:pt-5">
                        <div className="min-w-0">
                          <p className="font-medium">{s.name}</p>
                          <p className="truncate text-sm text-zinc-500">{hostFacts(s)}</p>
                        </div>
                        <div className="flex items-center gap-3 text-xs text-zinc-500">
                          <span>heartbeat {timeAgo(s.last_heartbeat_at)}</span>
                          <StatusBadge status={s.status} />
                        </div>
                      </CardContent>
                    </Card>
                  </Link>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
      <BuildDisk />
    </>
  );
}

/** What builds from git take on the build host's disk; nothing when this control plane runs no builds. */
function BuildDisk() {
  const query = useQuery("builds:disk", () => api.builds.disk());
  const disk = query.data;
  if (!disk) return null;
  const facts = [
    ["Syntra's images (own layers)", `${disk.syntra_images.count} · ${bytes(disk.syntra_images.bytes)}`],
    ["Build cache", bytes(disk.build_cache_bytes)],
    ["All images", bytes(disk.images_bytes)],
    ["Containers", bytes(disk.containers_bytes)],
    ["Volumes", bytes(disk.volumes_bytes)],
  ];
  return (
    <Card className="mt-6">
      <CardHeader>
        <CardTitle>Build host disk</CardTitle>
        <CardDescription>
          Docker on the machine that builds from git. The last {disk.keep_per_service} images of each service are kept
          for rollbacks; older ones are pruned after each build.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-5" data-testid="build-disk">
          {facts.map(([label, value]) => (
            <div key={label}>
              <dt className="text-xs text-zinc-500">{label}</dt>
              <dd className="font-medium">{value}</dd>
            </div>
          ))}
        </dl>
      </CardContent>
    </Card>
  );
}

/** The wizard's last step: the server's status, live, until its agent says hello. */
function WaitForAgent({ serverId }: { serverId: string }) {
  const query = useQuery(`server:${serverId}`, () => api.servers.get({ serverId }));
  const online = query.data?.status === "online";
  return (
    <div
      role="status"
      aria-live="polite"
      className={`flex items-center gap-3 rounded-md border p-3 text-sm ${
        online
          ? "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
          : "border-zinc-200 dark:border-zinc-800"
      }`}
    >
      {online ? <CheckCircle2 className="size-5 text-emerald-600" /> : <Loader2 className="size-5 animate-spin" />}
      <span className="flex-1">
        {online ? `Connected: ${query.data ? hostFacts(query.data) : ""}` : "Waiting for the agent to connect…"}
      </span>
      {online && (
        <Link to={`/servers/${serverId}`} className={buttonVariants({ size: "sm" })}>
          Open server
        </Link>
      )}
    </div>
  );
}

/** /servers/new: name it, run the install command there, watch it come online. */
export function NewServerPage() {
  const [created, setCreated] = useState<{ id: string; command: string; token: string } | null>(null);
  const form = useSubmit(createServerBody, async (body) => {
    const res = await api.servers.create(body);
    setCreated({ id: res.server_id, command: res.install_command, token: res.token });
    invalidate("servers", "overview");
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get("name") ?? "");
    void form.submit({ name });
  };
  return (
    <>
      <PageHeader title="Add a server" back={{ to: "/servers", label: "Servers" }} />
      <div className="flex max-w-2xl flex-col gap-4">
        <Card>
          <CardHeader>
            <CardTitle>1. Name it</CardTitle>
          </CardHeader>
          <CardContent>
            <form className="flex flex-col gap-3 sm:flex-row sm:items-start" noValidate onSubmit={onSubmit}>
              <div className="flex-1">
                <Field id="name" label="Server name" error={form.errors.name}>
                  <Input placeholder="web-1" disabled={!!created} {...invalid("name", form.errors.name)} />
                </Field>
              </div>
              <Button type="submit" className="sm:mt-6" disabled={form.pending || !!created}>
                {form.pending ? "Creating…" : "Create"}
              </Button>
            </form>
            {form.formError != null && <ErrorNote className="mt-3" error={form.formError} />}
          </CardContent>
        </Card>
        {created && (
          <>
            <Card>
              <CardHeader>
                <CardTitle>2. Run this on the server</CardTitle>
                <CardDescription>
                  As root on Debian or Ubuntu: it installs Docker, Caddy and the agent when missing. The token is shown
                  only now.
                </CardDescription>
              </CardHeader>
              <CardContent className="flex flex-col gap-3">
                <SecretBox value={created.command} label="install command" />
              </CardContent>
            </Card>
            <Card>
              <CardHeader>
                <CardTitle>3. Wait for it</CardTitle>
              </CardHeader>
              <CardContent>
                <WaitForAgent serverId={created.id} />
              </CardContent>
            </Card>
          </>
        )}
      </div>
    </>
  );
}
