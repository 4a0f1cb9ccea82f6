import { loginBody, signupBody } from "@syntra/contracts";
import { LogIn } from "lucide-react";
import type { FormEvent, ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { Field, invalid, PasswordField } from "../components/field";
import { Notice } from "../components/notice";
import { ErrorNote } from "../components/states";
import { Button, buttonVariants } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { Input } from "../components/ui/input";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";
import { useQuery } from "../lib/query";

/** The frame of the signed-out pages: the logo above a card. */
export function AuthFrame({
  title,
  description,
  children,
}: {
  title: string;
  description: ReactNode;
  children: ReactNode;
}) {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-center gap-2 text-xl font-semibold">
          <img src="/favicon.svg" alt="" className="size-8" /> Syntra
        </div>
        <Card>
          <CardHeader>
            <CardTitle>{title}</CardTitle>
            <CardDescription>{description}</CardDescription>
          </CardHeader>
          <CardContent>{children}</CardContent>
        </Card>
      </div>
    </main>
  );
}

const values = (e: FormEvent<HTMLFormElement>) => {
  e.preventDefault();
  return Object.fromEntries(
    [...new FormData(e.currentTarget).entries()].filter(([, v]) => v !== "").map(([k, v]) => [k, String(v)]),
  );
};

function GithubButton({ invite }: { invite?: string }) {
  const providers = useQuery("providers", () => api.auth.providers());
  if (!providers.data?.github) return null;
  return (
    <a
      href={api.auth.github({ invite_token: invite })}
      className={buttonVariants({ variant: "secondary", className: "w-full" })}
    >
      <LogIn /> Continue with GitHub
    </a>
  );
}

/** /login */
export function LoginPage() {
  const { signedIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const form = useSubmit(loginBody, async (body) => {
    signedIn(await api.auth.login(body));
    navigate(params.get("next") ?? "/dashboard");
  });
  return (
    <AuthFrame title="Sign in" description="Welcome back.">
      <form className="flex flex-col gap-4" noValidate onSubmit={(e) => void form.submit(values(e))}>
        {params.get("reset") === "done" && form.formError == null && (
          <Notice>Your password was changed. Sign in with the new one.</Notice>
        )}
        {form.formError != null && <ErrorNote error={form.formError} />}
        <Field id="email" label="Email" error={form.errors.email}>
          <Input type="email" autoComplete="email" required {...invalid("email", form.errors.email)} />
        </Field>
        <PasswordField
          id="password"
          label="Password"
          error={form.errors.password}
          autoComplete="current-password"
          required
        />
        <Link
          className="-mt-2 self-end text-sm text-indigo-600 hover:underline dark:text-indigo-400"
          to="/forgot-password"
        >
          Forgot password?
        </Link>
        <Button type="submit" disabled={form.pending}>
          {form.pending ? "Signing in…" : "Sign in"}
        </Button>
        <GithubButton />
        <p className="text-center text-sm text-zinc-500">
          New here?{" "}
          <Link className="text-indigo-600 hover:underline dark:text-indigo-400" to="/signup">
            Create an account
          </Link>
        </p>
      </form>
    </AuthFrame>
  );
}

/** /signup, and /signup?invite=… for an invited member. */
export function SignupPage() {
  const { signedIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const invite = params.get("invite") ?? undefined;
  const form = useSubmit(signupBody, async (body) => {
    signedIn(await api.auth.signup(body));
    navigate("/dashboard");
  });
  return (
    <AuthFrame
      title={invite ? "Join your team" : "Create your account"}
      description={
        invite ? "You were invited to an organization on Syntra." : "The first account owns this installation."
      }
    >
      <form
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(e) => void form.submit({ ...values(e), ...(invite && { invite_token: invite }) })}
      >
        {form.formError != null && <ErrorNote error={form.formError} />}
        <Field id="name" label="Your name" error={form.errors.name}>
          <Input autoComplete="name" {...invalid("name", form.errors.name)} />
        </Field>
        <Field id="email" label="Email" error={form.errors.email}>
          <Input type="email" autoComplete="email" required {...invalid("email", form.errors.email)} />
        </Field>
        <PasswordField
          id="password"
          label="Password"
          error={form.errors.password}
          hint="At least 10 characters."
          autoComplete="new-password"
          required
        />
        {!invite && (
          <Field id="org_name" label="Organization" error={form.errors.org_name} hint="Your team or company.">
            <Input autoComplete="organization" {...invalid("org_name", form.errors.org_name)} />
          </Field>
        )}
        <Button type="submit" disabled={form.pending}>
          {form.pending ? "Creating…" : "Create account"}
        </Button>
        <GithubButton invite={invite} />
        <p className="text-center text-sm text-zinc-500">
          Have an account?{" "}
          <Link className="text-indigo-600 hover:underline dark:text-indigo-400" to="/login">
            Sign in
          </Link>
        </p>
      </form>
    </AuthFrame>
  );
}
