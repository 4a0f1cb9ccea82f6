import { gitCredentialsBody } from "@syntra/contracts";
import { KeyRound, RefreshCw, Trash2, Webhook as WebhookIcon } from "lucide-react";
import { useState } from "react";
import { CopyButton, SecretBox } from "../components/copy";
import { Field, invalid } from "../components/field";
import { ErrorNote, QueryView } from "../components/states";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { Input } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";
import { invalidate, useQuery } from "../lib/query";
import { useService } from "./service";

/** How Syntra reaches a private repository: an https token, or a deploy key it generates. */
export function GitAccess() {
  const { service } = useService();
  const { can } = useAuth();
  const editable = can("services:write");
  const key = `service:${service.id}:git`;
  const query = useQuery(key, () => api.git.credentials({ serviceId: service.id }));
  const action = useAction();
  const form = useSubmit(gitCredentialsBody, async (body) => {
    await api.git.setCredentials({ serviceId: service.id, ...body });
    invalidate(key);
  });
  return (
    <Card>
      <CardHeader>
        <CardTitle>Git access</CardTitle>
        <CardDescription>
          For private repositories: an access token (https URLs) or a deploy key (ssh URLs). Public repositories need
          neither. Secrets are stored encrypted and never shown.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {action.error != null && <ErrorNote error={action.error} />}
        <QueryView query={query} rows={1}>
          {(creds) => (
            <div className="flex flex-col gap-3 text-sm" data-testid="git-credentials" data-kind={creds.kind}>
              {creds.kind === "none" && <p>No credentials: the repository is cloned without any.</p>}
              {creds.kind === "token" && <p>An access token is set; it is sent to the git host over https.</p>}
              {creds.kind === "ssh_key" && creds.public_key && (
                <>
                  <p>
                    Add this public key at your git host as a read-only deploy key (GitHub: Settings → Deploy keys;
                    GitLab: Settings → Repository → Deploy keys; Gitea: Settings → Deploy keys), and use an ssh
                    repository URL such as <span className="font-mono">git@github.com:acme/shop.git</span>.
                  </p>
                  <SecretBox value={creds.public_key} label="deploy key" />
                </>
              )}
              {editable && (
                <div className="flex flex-wrap gap-2">
                  <Button
                    variant="secondary"
                    size="sm"
                    disabled={action.pending}
                    onClick={() =>
                      action.run(() => api.git.setCredentials({ serviceId: service.id, kind: "ssh_key" }), key)
                    }
                  >
                    <KeyRound /> {creds.kind === "ssh_key" ? "Replace deploy key" : "Generate deploy key"}
                  </Button>
                  {creds.kind !== "none" && (
                    <Button
                      variant="ghost"
                      size="sm"
                      disabled={action.pending}
                      onClick={() => action.run(() => api.git.removeCredentials({ serviceId: service.id }), key)}
                    >
                      <Trash2 /> Remove credentials
                    </Button>
                  )}
                </div>
              )}
            </div>
          )}
        </QueryView>
        {editable && (
          <form
            className="flex flex-col gap-3 sm:flex-row sm:items-end"
            noValidate
            onSubmit={form.submitAndReset((v) => ({ kind: "token", token: v.token }))}
          >
            <div className="flex-1">
              <Field
                id="token"
                label="Access token"
                error={form.errors.token}
                hint="A token with read access to the repository (GitHub: a fine-grained token with Contents: read)."
              >
                <Input type="password" autoComplete="off" {...invalid("token", form.errors.token)} />
              </Field>
            </div>
            <Button type="submit" variant="secondary" disabled={form.pending}>
              {form.pending ? "Saving…" : "Save token"}
            </Button>
          </form>
        )}
        {form.formError != null && <ErrorNote error={form.formError} />}
      </CardContent>
    </Card>
  );
}

/** Where each host's webhook settings are, and what to fill in. */
const HOSTS = [
  {
    id: "github",
    name: "GitHub",
    steps:
      "Repository → Settings → Webhooks → Add webhook. Payload URL: the URL; Content type: application/json; Secret: the secret; events: Just the push event.",
  },
  {
    id: "gitlab",
    name: "GitLab",
    steps:
      "Project → Settings → Webhooks → Add new webhook. URL: the URL; Secret token: the secret; trigger: Push events.",
  },
  {
    id: "gitea",
    name: "Gitea / Forgejo",
    steps:
      "Repository → Settings → Webhooks → Add webhook → Gitea (or Forgejo). Target URL: the URL; POST, application/json; Secret: the secret; trigger: Push events.",
  },
] as const;

/** The webhook that deploys on push: its URLs per git host, and its secret (shown once when made). */
export function Webhook() {
  const { service } = useService();
  const { can } = useAuth();
  const editable = can("services:write");
  const key = `service:${service.id}:webhook`;
  const query = useQuery(key, () => api.git.webhook({ serviceId: service.id }));
  const action = useAction();
  const [secret, setSecret] = useState<string | null>(null);
  const rotate = () =>
    action.run(async () => setSecret((await api.git.rotateWebhook({ serviceId: service.id })).secret ?? null), key);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Webhook</CardTitle>
        <CardDescription>
          Your git host calls it on every push; a push to{" "}
          {typeof service.source_config.branch === "string" ? service.source_config.branch : "the project's branch"}{" "}
          builds and deploys that commit
          {service.auto_deploy ? "." : ". Auto-deploy is off for this service: pushes are acknowledged only."}
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {action.error != null && <ErrorNote error={action.error} />}
        <QueryView query={query} rows={2}>
          {(hook) => (
            <>
              <div className="flex flex-wrap items-center gap-3 text-sm">
                <p className="flex-1" data-testid="webhook-state">
                  {hook.configured
                    ? "A secret is set: pushes signed with it deploy."
                    : "No secret yet: create one, then add the webhook at your git host."}
                </p>
                {editable && (
                  <Button size="sm" variant="secondary" disabled={action.pending} onClick={rotate}>
                    {hook.configured ? <RefreshCw /> : <WebhookIcon />}
                    {hook.configured ? "Rotate secret" : "Create secret"}
                  </Button>
                )}
              </div>
              {secret && (
                <div className="flex flex-col gap-1.5 rounded-md border border-amber-300 bg-amber-50 p-3 dark:border-amber-900 dark:bg-amber-950/40">
                  <p className="text-sm font-medium">
                    The secret, shown once: copy it into your git host now. A rotated secret replaces the old one.
                  </p>
                  <SecretBox value={secret} label="webhook secret" />
                </div>
              )}
              <ul className="flex flex-col gap-3" aria-label="Webhook URLs">
                {HOSTS.map((h) => (
                  <li key={h.id} className="flex flex-col gap-1" data-host={h.id}>
                    <p className="text-sm font-medium">{h.name}</p>
                    <div className="flex items-center gap-2">
                      <code className="min-w-0 flex-1 truncate rounded bg-zinc-100 px-2 py-1.5 font-mono text-xs dark:bg-zinc-800">
                        {hook.urls[h.id]}
                      </code>
                      <CopyButton value={hook.urls[h.id]} label={`Copy ${h.name} URL`} />
                    </div>
                    <p className="text-xs text-zinc-500 dark:text-zinc-400">{h.steps}</p>
                  </li>
                ))}
              </ul>
            </>
          )}
        </QueryView>
      </CardContent>
    </Card>
  );
}
