import { createStatusPageBody, type StatusPage } from "@syntra/contracts";
import { ExternalLink, Trash2 } from "lucide-react";
import { useState } from "react";
import { AlertsNav } from "../components/alerts-nav";
import { Field, invalid } from "../components/field";
import { PageHeader } from "../components/layout";
import { Choices, NewItemCard } from "../components/new-item-card";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "../components/ui/card";
import { Input, Select, Textarea } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { formValues, useSubmit } from "../lib/form";
import { timeAgo } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";

function NewStatusPage({ onDone }: { onDone(): void }) {
  const services = useQuery("services:all", () => api.services.list({}));
  const [chosen, setChosen] = useState<string[]>([]);
  const form = useSubmit(createStatusPageBody, async (body) => {
    await api.statusPages.create(body);
    invalidate("status-pages");
    onDone();
  });
  return (
    <NewItemCard
      title="New status page"
      form={form}
      submit={{ label: "Create page", pending: "Creating…" }}
      onSubmit={(e) => {
        const v = formValues(e);
        const list = services.data ?? [];
        void form.submit({
          slug: v.slug,
          title: v.title,
          components: chosen.map((id) => ({
            name: list.find((s) => s.id === id)?.name ?? "Service",
            service_id: id,
          })),
        });
      }}
    >
      <Field id="title" label="Title" error={form.errors.title}>
        <Input placeholder="Acme status" {...invalid("title", form.errors.title)} />
      </Field>
      <Field id="slug" label="Address" error={form.errors.slug} hint="The page is public at /status/<address>">
        <Input placeholder="acme" {...invalid("slug", form.errors.slug)} />
      </Field>
      <Choices
        legend="Components (their public name is the service's; rename later)"
        options={services.data ?? []}
        keyOf={(s) => s.id}
        chosen={chosen}
        onChange={setChosen}
      >
        {(s) => `${s.project.name} / ${s.name}`}
      </Choices>
    </NewItemCard>
  );
}

function PageIncidents({ page }: { page: StatusPage }) {
  const { can } = useAuth();
  const query = useQuery(`status-incidents:${page.id}`, () => api.statusPages.incidents({ pageId: page.id }));
  const action = useAction();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="grid gap-3">
      {can("alerts:write") && (
        <form
          className="grid gap-2 sm:grid-cols-[1fr_auto_auto]"
          onSubmit={(e) => {
            const v = formValues(e);
            const { title, message } = v;
            if (!title || !message) return setError("A title and a message");
            setError(null);
            void action.run(
              () =>
                api.statusPages.createIncident({
                  pageId: page.id,
                  title,
                  message,
                  impact: v.impact as "minor",
                  component_ids: page.components.map((c) => c.id),
                }),
              `status-incidents:${page.id}`,
            );
          }}
        >
          <Input name="title" placeholder="Incident title" aria-label="Incident title" />
          <Select name="impact" aria-label="Impact" defaultValue="minor">
            {["none", "minor", "major", "critical"].map((i) => (
              <option key={i}>{i}</option>
            ))}
          </Select>
          <Button type="submit" size="sm" variant="secondary">
            Post incident
          </Button>
          <Textarea
            name="message"
            placeholder="What the public should know"
            aria-label="Message"
            className="sm:col-span-3"
          />
          {error && <p className="text-sm text-red-600">{error}</p>}
        </form>
      )}
      {action.error != null && <ErrorNote error={action.error} />}
      <QueryView query={query}>
        {(incidents) => (
          <ul className="grid gap-2 text-sm">
            {incidents.map((i) => (
              <li key={i.id} className="flex flex-wrap items-center gap-2">
                <Badge tone={i.resolved_at ? "green" : "amber"}>{i.status}</Badge>
                <span className="font-medium">{i.title}</span>
                <span className="text-zinc-500">{timeAgo(i.created_at)}</span>
                {can("alerts:write") && !i.resolved_at && (
                  <Button
                    size="sm"
                    variant="ghost"
                    onClick={() =>
                      action.run(
                        () =>
                          api.statusPages.addIncidentUpdate({
                            pageId: page.id,
                            incidentId: i.id,
                            status: i.kind === "maintenance" ? "completed" : "resolved",
                            message: "This is resolved.",
                          }),
                        `status-incidents:${page.id}`,
                      )
                    }
                  >
                    Mark resolved
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </div>
  );
}

/** /status-pages: public status pages, their components and incidents. */
export function StatusPagesPage() {
  const { can } = useAuth();
  const [adding, setAdding] = useState(false);
  const query = useQuery("status-pages", () => api.statusPages.list());
  const action = useAction();
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Public status pages: no login, server-rendered, readable on a phone."
        actions={can("alerts:write") && !adding && <Button onClick={() => setAdding(true)}>New status page</Button>}
      />
      <AlertsNav />
      {adding && <NewStatusPage onDone={() => setAdding(false)} />}
      {action.error != null && <ErrorNote error={action.error} />}
      <QueryView query={query}>
        {(pages) =>
          pages.length === 0 ? (
            <Empty title="No status pages yet">Show the world what is up: pick the services a page shows.</Empty>
          ) : (
            <ul className="grid gap-4">
              {pages.map((p) => (
                <li key={p.id}>
                  <Card>
                    <CardHeader>
                      <CardTitle className="flex flex-wrap items-center justify-between gap-2">
                        <span className="flex items-center gap-2">
                          {p.title} {!p.is_public && <Badge>private</Badge>}
                        </span>
                        <span className="flex gap-2">
                          <a
                            className="inline-flex items-center gap-1 text-sm text-indigo-600 hover:underline"
                            href={p.url}
                            target="_blank"
                            rel="noreferrer"
                          >
                            /status/{p.slug} <ExternalLink className="size-3" />
                          </a>
                          {can("alerts:write") && (
                            <Button
                              size="sm"
                              variant="ghost"
                              aria-label={`Delete ${p.title}`}
                              onClick={() => action.run(() => api.statusPages.remove({ pageId: p.id }), "status-pages")}
                            >
                              <Trash2 />
                            </Button>
                          )}
                        </span>
                      </CardTitle>
                    </CardHeader>
                    <CardContent className="grid gap-3">
                      <p className="text-sm text-zinc-500">
                        {p.components.map((c) => c.name).join(", ") || "No components"}
                      </p>
                      <PageIncidents page={p} />
                    </CardContent>
                  </Card>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </>
  );
}
