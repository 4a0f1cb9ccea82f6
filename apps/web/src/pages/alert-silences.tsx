import { createAlertSilenceBody } from "@syntra/contracts";
import { useState } from "react";
import { AlertsNav } from "../components/alerts-nav";
import { Field, invalid } from "../components/field";
import { PageHeader } from "../components/layout";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Card, CardContent } from "../components/ui/card";
import { Input, Select } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { formValues, useSubmit } from "../lib/form";
import { dateTime } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";

/** /alerts/silences: silences and maintenance windows (incidents recorded, nobody notified). */
export function AlertSilencesPage() {
  const { can } = useAuth();
  const [all, setAll] = useState(false);
  const query = useQuery(`silences:${all}`, () => api.alerts.silences({ all: all ? "true" : "false" }));
  const services = useQuery("services:all", () => api.services.list({}));
  const action = useAction();
  const form = useSubmit(createAlertSilenceBody, async (body) => {
    await api.alerts.createSilence(body);
    invalidate("silences");
  });
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Silences and maintenance windows: incidents are recorded, nobody is paged."
      />
      <AlertsNav />
      {can("alerts:write") && (
        <Card className="mb-6">
          <CardContent className="pt-5">
            <form
              className="grid gap-3 sm:grid-cols-4"
              noValidate
              onSubmit={(e) => {
                const v = formValues(e);
                const hours = Number(v.hours || 1);
                void form.submit({
                  kind: v.kind,
                  comment: v.comment,
                  ...(v.service_id ? { service_id: v.service_id } : {}),
                  ends_at: new Date(Date.now() + hours * 3_600_000).toISOString(),
                });
              }}
            >
              {form.formError != null && <ErrorNote className="sm:col-span-4" error={form.formError} />}
              <Field id="service_id" label="Service">
                <Select {...invalid("service_id")}>
                  <option value="">Everything</option>
                  {(services.data ?? []).map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.project.name} / {s.name}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field id="kind" label="Kind">
                <Select {...invalid("kind")}>
                  <option value="silence">Silence</option>
                  <option value="maintenance">Maintenance</option>
                </Select>
              </Field>
              <Field id="hours" label="For (hours)">
                <Input type="number" defaultValue={1} {...invalid("hours")} />
              </Field>
              <Field id="comment" label="Why" error={form.errors.comment}>
                <Input placeholder="Database upgrade" {...invalid("comment", form.errors.comment)} />
              </Field>
              <Button type="submit" size="sm" className="self-start" disabled={form.pending}>
                Silence
              </Button>
            </form>
          </CardContent>
        </Card>
      )}
      <label className="mb-3 flex items-center gap-2 text-sm">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Show ended ones
      </label>
      {action.error != null && <ErrorNote error={action.error} />}
      <QueryView query={query}>
        {(silences) =>
          silences.length === 0 ? (
            <Empty title="No silences" />
          ) : (
            <ul className="grid gap-2">
              {silences.map((s) => (
                <li key={s.id}>
                  <Card>
                    <CardContent className="flex flex-wrap items-center justify-between gap-2 pt-4 text-sm sm:pt-5">
                      <span className="flex flex-wrap items-center gap-2">
                        <Badge tone={s.active ? "amber" : "neutral"}>{s.active ? "active" : "not active"}</Badge>
                        <Badge>{s.kind}</Badge>
                        {s.comment || "No comment"}
                        <span className="text-zinc-500">
                          {dateTime(s.starts_at)} – {dateTime(s.ends_at)}
                        </span>
                      </span>
                      {can("alerts:write") && s.active && (
                        <Button
                          size="sm"
                          variant="secondary"
                          onClick={() => action.run(() => api.alerts.expireSilence({ silenceId: s.id }), "silences")}
                        >
                          End now
                        </Button>
                      )}
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
