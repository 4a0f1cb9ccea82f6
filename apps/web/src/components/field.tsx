import type { ReactNode } from "react";
import { Input, Label } from "./ui/input";

/** A labelled form field with its hint and its error, tied to the control for screen readers. */
export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {hint && !error && (
        <p id={`${id}-hint`} className="text-xs text-zinc-500 dark:text-zinc-400">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}

/** Props that tie an input to its Field's error. */
export const invalid = (id: string, error?: string) => ({
  id,
  name: id,
  "aria-invalid": error ? true : undefined,
  "aria-describedby": error ? `${id}-error` : undefined,
});

/** A password Field: `current-password` to sign in, `new-password` where one is chosen (password managers tell). */
export function PasswordField({
  id,
  label,
  error,
  hint,
  autoComplete,
  required = false,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  autoComplete: "current-password" | "new-password";
  required?: boolean;
}) {
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      <Input type="password" autoComplete={autoComplete} required={required} {...invalid(id, error)} />
    </Field>
  );
}
