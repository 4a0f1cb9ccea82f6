import { type EnvVar, putEnvBody } from "@syntra/contracts";
import { Eye, EyeOff, Trash2 } from "lucide-react";
import { useEffect, useState } from "react";
import { Field, invalid } from "../components/field";
import { isBuiltFromGit } from "../components/source-fields";
import { ErrorNote, QueryView } from "../components/states";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { Input } from "../components/ui/input";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";
import { invalidate, useQuery } from "../lib/query";
import { useService } from "./service";

/** Turns a variable's build-time flag on or off; its value stays on the server. */
async function setBuildTime(serviceId: string, key: string, on: boolean): Promise<void> {
  await api.env.setFlags({ serviceId, key, is_build_time: on });
}

function BuildTimeToggle({ v, editable, onError }: { v: EnvVar; editable: boolean; onError(err: unknown): void }) {
  const { service } = useService();
  const [pending, setPending] = useState(false);
  // Shown as asked at once; the saved value takes over when the list is fetched again.
  const [checked, setChecked] = useState(v.is_build_time);
  useEffect(() => setChecked(v.is_build_time), [v.is_build_time]);
  return (
    <label
      className="flex shrink-0 items-center gap-1.5 text-xs text-zinc-600 dark:text-zinc-400"
      title="Also passed to builds as a build argument"
    >
      <input
        type="checkbox"
        className="size-4"
        aria-label={`Build-time ${v.key}`}
        checked={checked}
        disabled={!editable || pending}
        onChange={async (e) => {
          const on = e.target.checked;
          setChecked(on);
          setPending(true);
          onError(null);
          try {
            await setBuildTime(service.id, v.key, on);
            invalidate(`service:${service.id}:env`);
          } catch (err) {
            setChecked(!on);
            onError(err);
          } finally {
            setPending(false);
          }
        }}
      />
      build-time
    </label>
  );
}

/** Environment variables: secrets masked (revealed on request for those allowed), build-time ones marked. */
export function EnvVars() {
  const { service } = useService();
  const { can } = useAuth();
  const built = isBuiltFromGit(service.source_type);
  const editable = can("env:write");
  const [reveal, setReveal] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const query = useQuery(`service:${service.id}:env:${reveal}`, () => api.env.list({ serviceId: service.id, reveal }));
  const form = useSubmit(putEnvBody, async (body) => {
    await api.env.put({ serviceId: service.id, ...body });
    invalidate(`service:${service.id}`);
  });
  const onSubmit = form.submitAndReset((v) => ({
    variables: [
      {
        key: v.key,
        value: v.value,
        is_secret: v.is_secret === "on",
        ...(built && { is_build_time: v.is_build_time === "on" }),
      },
    ],
  }));
  const keyError = form.errors["variables.0.key"] ?? form.errors.variables;
  return (
    <Card>
      <CardHeader className="flex-row items-start justify-between gap-2">
        <div>
          <CardTitle>Environment variables</CardTitle>
          <CardDescription>
            Encrypted at rest. Secret values are masked.
            {built &&
              " Build-time variables are also passed to builds as build arguments; others never reach the image."}
          </CardDescription>
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
                  <li key={v.key} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-env={v.key}>
                    <span className="w-1/3 truncate font-mono text-sm font-medium">{v.key}</span>
                    <span
                      className="min-w-0 flex-1 truncate font-mono text-sm text-zinc-600 dark:text-zinc-400"
                      data-testid="env-value"
                    >
                      {v.value}
                    </span>
                    {v.is_secret && <span className="text-xs text-zinc-500">secret</span>}
                    {built && <BuildTimeToggle v={v} editable={editable} onError={setActionError} />}
                    {editable && (
                      <Button
                        size="icon"
                        variant="ghost"
                        aria-label={`Delete ${v.key}`}
                        onClick={async () => {
                          setActionError(null);
                          try {
                            await api.env.remove({ serviceId: service.id, key: v.key });
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
        {editable && (
          <form
            className="grid gap-3 sm:grid-cols-[1fr_1fr_auto_auto_auto] sm:items-end"
            noValidate
            onSubmit={onSubmit}
          >
            <Field id="key" label="Key" error={keyError}>
              <Input placeholder="DATABASE_URL" autoComplete="off" {...invalid("key", keyError)} />
            </Field>
            <Field id="value" label="Value" error={form.errors["variables.0.value"]}>
              <Input type="password" autoComplete="new-password" {...invalid("value")} />
            </Field>
            <label className="flex h-9 items-center gap-2 text-sm">
              <input type="checkbox" name="is_secret" defaultChecked className="size-4" /> Secret
            </label>
            {built ? (
              <label className="flex h-9 items-center gap-2 text-sm" title="Also passed to builds as a build argument">
                <input type="checkbox" name="is_build_time" className="size-4" /> Build-time
              </label>
            ) : (
              <span className="hidden sm:block" />
            )}
            <Button type="submit" disabled={form.pending}>
              {form.pending ? "Saving…" : "Set variable"}
            </Button>
            {form.formError != null && <ErrorNote className="sm:col-span-5" error={form.formError} />}
          </form>
        )}
      </CardContent>
    </Card>
  );
}
