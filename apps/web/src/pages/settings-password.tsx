import { changePasswordBody } from "@syntra/contracts";
import { type FormEvent, useState } from "react";
import { PasswordField } from "../components/field";
import { Notice } from "../components/notice";
import { ErrorNote } from "../components/states";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";

/** The settings page's Password card: change the password, or set a first one for a GitHub account. */
export function PasswordCard() {
  const { me, refresh } = useAuth();
  const hasPassword = me?.has_password ?? true;
  const [changed, setChanged] = useState(false);
  const form = useSubmit(changePasswordBody, async (body) => {
    await api.auth.changePassword(body);
    setChanged(true);
    refresh();
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const target = e.currentTarget;
    const data = new FormData(target);
    // Passwords as typed: no trimming. An empty current password means none was given.
    const current = String(data.get("current_password") ?? "");
    setChanged(false);
    void form
      .submit({ ...(current && { current_password: current }), new_password: String(data.get("new_password") ?? "") })
      .then((ok) => ok && target.reset());
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>Password</CardTitle>
        <CardDescription>
          {hasPassword
            ? "Changing it signs you out everywhere else; API tokens keep working."
            : "You sign in with GitHub. Set a password to sign in with your email too."}
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form className="grid gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-end" noValidate onSubmit={onSubmit}>
          {hasPassword && (
            <PasswordField
              id="current_password"
              label="Current password"
              error={form.errors.current_password}
              autoComplete="current-password"
            />
          )}
          <PasswordField
            id="new_password"
            label="New password"
            error={form.errors.new_password}
            autoComplete="new-password"
          />
          <Button type="submit" disabled={form.pending}>
            {form.pending ? "Saving…" : hasPassword ? "Change password" : "Set password"}
          </Button>
        </form>
        {form.formError != null && <ErrorNote className="mt-3" error={form.formError} />}
        {changed && <Notice className="mt-3">Password changed. Your other sessions were signed out.</Notice>}
      </CardContent>
    </Card>
  );
}
