import { createInvitationBody, createTokenBody, type OrgRole, orgRoles } from "@syntra/contracts";
import { Trash2 } from "lucide-react";
import { type FormEvent, useState } from "react";
import { AiSettingsCard } from "../components/ai-settings";
import { SecretBox } from "../components/copy";
import { Field, invalid } from "../components/field";
import { PageHeader } from "../components/layout";
import { Notice } from "../components/notice";
import { ErrorNote, QueryView } from "../components/states";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { Input, Select } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";
import { timeAgo } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";
import { PasswordCard } from "./settings-password";

function Tokens() {
  const query = useQuery("tokens", () => api.tokens.list());
  const [created, setCreated] = useState<string | null>(null);
  const action = useAction();
  const form = useSubmit(createTokenBody, async (body) => {
    setCreated((await api.tokens.create(body)).token);
    invalidate("tokens");
  });
  return (
    <Card>
      <CardHeader>
        <CardTitle>API tokens</CardTitle>
        <CardDescription>For the CLI and scripts: `Authorization: Bearer …`. They carry your role.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {action.error != null && <ErrorNote error={action.error} />}
        <QueryView query={query}>
          {(tokens) =>
            tokens.length === 0 ? (
              <p className="text-sm text-zinc-500">No tokens.</p>
            ) : (
              <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
                {tokens.map((t) => (
                  <li key={t.id} className="flex items-center gap-3 py-2 text-sm">
                    <span className="flex-1 truncate font-medium">{t.name}</span>
                    <span className="hidden font-mono text-xs text-zinc-500 sm:inline">{t.token_prefix}…</span>
                    <span className="text-xs text-zinc-500">used {timeAgo(t.last_used_at)}</span>
                    <Button
                      size="icon"
                      variant="ghost"
                      aria-label={`Revoke ${t.name}`}
                      onClick={() => action.run(() => api.tokens.revoke({ tokenId: t.id }), "tokens")}
                    >
                      <Trash2 />
                    </Button>
                  </li>
                ))}
              </ul>
            )
          }
        </QueryView>
        {created && <SecretBox value={created} label="new token (shown once)" />}
        <form
          className="flex flex-col gap-3 sm:flex-row sm:items-end"
          noValidate
          onSubmit={(e: FormEvent<HTMLFormElement>) => {
            e.preventDefault();
            void form.submit({ name: String(new FormData(e.currentTarget).get("token_name") ?? "") });
          }}
        >
          <div className="flex-1">
            <Field id="token_name" label="New token name" error={form.errors.name}>
              <Input placeholder="laptop" {...invalid("token_name", form.errors.name)} />
            </Field>
          </div>
          <Button type="submit" disabled={form.pending}>
            Create token
          </Button>
        </form>
        {form.formError != null && <ErrorNote error={form.formError} />}
      </CardContent>
    </Card>
  );
}

function Members() {
  const { can, me } = useAuth();
  const members = useQuery("members", () => api.org.members());
  const invitations = useQuery("invitations", () => api.org.invitations());
  const [link, setLink] = useState<string | null>(null);
  const [emailedTo, setEmailedTo] = useState<string | null>(null);
  const action = useAction();
  const manage = can("members:write");
  const form = useSubmit(createInvitationBody, async (body) => {
    const inv = await api.org.invite(body);
    setLink(inv.accept_url.replace(/^https?:\/\/[^/]+/, window.location.origin));
    setEmailedTo(inv.email_sent ? inv.email : null);
    invalidate("invitations");
  });
  return (
    <Card>
      <CardHeader>
        <CardTitle>Members of {me?.org?.name}</CardTitle>
        <CardDescription>Owners and admins manage members; developers deploy; viewers read.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {action.error != null && <ErrorNote error={action.error} />}
        <QueryView query={members}>
          {(list) => (
            <ul aria-label="Members" className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {list.map((m) => (
                <li key={m.user_id} className="flex flex-wrap items-center gap-3 py-2 text-sm">
                  <span className="min-w-0 flex-1 truncate">
                    {m.name ?? m.email} <span className="text-zinc-500">{m.name && m.email}</span>
                  </span>
                  {manage && m.user_id !== me?.user.id ? (
                    <>
                      <Select
                        aria-label={`Role of ${m.email}`}
                        className="w-32"
                        value={m.role}
                        onChange={(e) =>
                          action.run(
                            () => api.org.setRole({ userId: m.user_id, role: e.target.value as OrgRole }),
                            "members",
                          )
                        }
                      >
                        {orgRoles.map((r) => (
                          <option key={r}>{r}</option>
                        ))}
                      </Select>
                      <Button
                        size="icon"
                        variant="ghost"
                        aria-label={`Remove ${m.email}`}
                        onClick={() => action.run(() => api.org.removeMember({ userId: m.user_id }), "members")}
                      >
                        <Trash2 />
                      </Button>
                    </>
                  ) : (
                    <Badge>{m.role}</Badge>
                  )}
                </li>
              ))}
            </ul>
          )}
        </QueryView>
        {manage && (
          <>
            <h3 className="text-sm font-semibold">Invitations</h3>
            <QueryView query={invitations}>
              {(list) =>
                list.length === 0 ? (
                  <p className="text-sm text-zinc-500">No pending invitations.</p>
                ) : (
                  <ul aria-label="Pending invitations" className="divide-y divide-zinc-100 dark:divide-zinc-800">
                    {list.map((i) => (
                      <li key={i.id} className="flex items-center gap-3 py-2 text-sm">
                        <span className="flex-1 truncate">{i.email}</span>
                        <Badge>{i.role}</Badge>
                        <span className="hidden text-xs text-zinc-500 sm:inline">
                          expires {new Date(i.expires_at).toLocaleDateString()}
                        </span>
                        <Button
                          size="icon"
                          variant="ghost"
                          aria-label={`Withdraw invitation of ${i.email}`}
                          onClick={() =>
                            action.run(() => api.org.withdrawInvitation({ invitationId: i.id }), "invitations")
                          }
                        >
                          <Trash2 />
                        </Button>
                      </li>
                    ))}
                  </ul>
                )
              }
            </QueryView>
            {emailedTo && <Notice>Invitation emailed to {emailedTo}. You can also pass the link on yourself:</Notice>}
            {link && <SecretBox value={link} label="invitation link" />}
            <form
              className="grid gap-3 sm:grid-cols-[1fr_10rem_auto] sm:items-end"
              noValidate
              onSubmit={(e: FormEvent<HTMLFormElement>) => {
                e.preventDefault();
                const d = new FormData(e.currentTarget);
                void form.submit({ email: String(d.get("invite_email") ?? ""), role: String(d.get("invite_role")) });
              }}
            >
              <Field id="invite_email" label="Invite by email" error={form.errors.email}>
                <Input
                  type="email"
                  placeholder="teammate@example.com"
                  {...invalid("invite_email", form.errors.email)}
                />
              </Field>
              <Field id="invite_role" label="Role">
                <Select id="invite_role" name="invite_role" defaultValue="developer">
                  {orgRoles.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </Select>
              </Field>
              <Button type="submit" disabled={form.pending}>
                Invite
              </Button>
            </form>
            {form.formError != null && <ErrorNote error={form.formError} />}
          </>
        )}
      </CardContent>
    </Card>
  );
}

/** /settings: the account's password and API tokens, the organization's members and invitations, its AI. */
export function SettingsPage() {
  return (
    <>
      <PageHeader title="Settings" description="Your organization's members and AI, your password and API tokens." />
      <div className="flex flex-col gap-4">
        <Members />
        <AiSettingsCard />
        <PasswordCard />
        <Tokens />
      </div>
    </>
  );
}
