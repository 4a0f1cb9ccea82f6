import { forgotPasswordBody, type PasswordResetRequested, resetPasswordBody } from "@syntra/contracts";
import { type FormEvent, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { z } from "zod";
import { Field, invalid, PasswordField } from "../components/field";
import { Notice } from "../components/notice";
import { ErrorNote } from "../components/states";
import { Button } from "../components/ui/button";
import { Input } from "../components/ui/input";
import { ApiError, api } from "../lib/api";
import { formValues, useSubmit } from "../lib/form";
import { AuthFrame } from "./auth";

const linkClass = "text-indigo-600 hover:underline dark:text-indigo-400";

/** A form's values as typed: passwords are not trimmed. */
const typed = (e: FormEvent<HTMLFormElement>) => {
  e.preventDefault();
  return Object.fromEntries([...new FormData(e.currentTarget).entries()].map(([k, v]) => [k, String(v)]));
};

/** /forgot-password: asks for a reset link by email. */
export function ForgotPasswordPage() {
  const [sent, setSent] = useState<PasswordResetRequested | null>(null);
  const form = useSubmit(forgotPasswordBody, async (body) => setSent(await api.auth.forgotPassword(body)));
  return (
    <AuthFrame title="Forgot your password?" description="We email you a link to choose a new one.">
      {sent ? (
        <div className="flex flex-col gap-4">
          <Notice>
            If an account exists for <strong>{sent.email}</strong>, we sent it a link to reset the password. The link
            works once, within {sent.expires_in_minutes} minutes.
          </Notice>
          <p className="text-center text-sm text-zinc-500">
            <Link className={linkClass} to="/login">
              Back to sign in
            </Link>
          </p>
        </div>
      ) : (
        <form className="flex flex-col gap-4" noValidate onSubmit={(e) => void form.submit(formValues(e))}>
          {form.formError != null && <ErrorNote error={form.formError} />}
          <Field id="email" label="Email" error={form.errors.email}>
            <Input type="email" autoComplete="email" required {...invalid("email", form.errors.email)} />
          </Field>
          <Button type="submit" disabled={form.pending}>
            {form.pending ? "Sending…" : "Email me a link"}
          </Button>
          <p className="text-center text-sm text-zinc-500">
            Remembered it?{" "}
            <Link className={linkClass} to="/login">
              Sign in
            </Link>
          </p>
        </form>
      )}
    </AuthFrame>
  );
}

// The API's rules for the new password, and the second entry must match the first.
const resetForm = resetPasswordBody
  .extend({ password_repeat: z.string() })
  .refine((v) => v.password === v.password_repeat, { path: ["password_repeat"], message: "the passwords differ" });

/** /reset-password?token=…: the page the emailed link opens; sets a new password, then on to sign in. */
export function ResetPasswordPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const form = useSubmit(resetForm, async ({ token, password }) => {
    await api.auth.resetPassword({ token, password });
    navigate("/login?reset=done");
  });
  const expired = form.formError instanceof ApiError && form.formError.code === "RESET_TOKEN_INVALID";
  return (
    <AuthFrame title="Choose a new password" description="You are signed out everywhere once it is set.">
      {!token ? (
        <div className="flex flex-col gap-4">
          <ErrorNote error={new Error("This link has no reset token; open the link from the email again.")} />
          <NewLinkLink />
        </div>
      ) : (
        <form className="flex flex-col gap-4" noValidate onSubmit={(e) => void form.submit({ ...typed(e), token })}>
          {form.formError != null && <ErrorNote error={form.formError} />}
          {expired && <NewLinkLink />}
          <PasswordField
            id="password"
            label="New password"
            error={form.errors.password}
            hint="At least 10 characters."
            autoComplete="new-password"
            required
          />
          <PasswordField
            id="password_repeat"
            label="Repeat the new password"
            error={form.errors.password_repeat}
            autoComplete="new-password"
            required
          />
          <Button type="submit" disabled={form.pending}>
            {form.pending ? "Saving…" : "Set the new password"}
          </Button>
        </form>
      )}
    </AuthFrame>
  );
}

function NewLinkLink() {
  return (
    <p className="text-center text-sm">
      <Link className={linkClass} to="/forgot-password">
        Ask for a new link
      </Link>
    </p>
  );
}
