import { type FormEvent, useState } from "react";
import type { z } from "zod";
import { ApiError } from "./api";

/** Field errors by field name (the part after `body.` for API issues). */
export type FieldErrors = Record<string, string>;

/** The issues of a failed zod parse, one message per top-level field. */
export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "_form";
    out[key] ??= issue.message;
  }
  return out;
}

/**
 * A form's submit: validates with the API's own zod schema first (same rules, no round trip), then calls
 * the API; a VALIDATION_ERROR's field issues land on their fields, any other error above the form.
 */
export function useSubmit<S extends z.ZodType>(schema: S, action: (value: z.output<S>) => Promise<void>) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  /** Resolves true when the input was valid and the action succeeded. */
  const submit = async (input: unknown): Promise<boolean> => {
    setFormError(null);
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return false;
    }
    setErrors({});
    setPending(true);
    try {
      await action(parsed.data);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.fieldIssues.length > 0) {
        const fields: FieldErrors = {};
        for (const i of err.fieldIssues) fields[i.path.replace(/^body\./, "")] ??= i.message;
        setErrors(fields);
      }
      setFormError(err);
      return false;
    } finally {
      setPending(false);
    }
  };
  /** A form's onSubmit for adding items: submits its values as `toInput` makes them, empties it on success. */
  const submitAndReset = (toInput: (values: Record<string, string>) => unknown) => (e: FormEvent<HTMLFormElement>) => {
    const target = e.currentTarget;
    void submit(toInput(formValues(e))).then((ok) => {
      if (ok && target.isConnected) target.reset();
    });
  };
  return { errors, formError, pending, submit, submitAndReset, setFormError };
}

/** A submitted form's values, trimmed, by input name (the submit's default is prevented). */
export function formValues(e: FormEvent<HTMLFormElement>): Record<string, string> {
  e.preventDefault();
  return Object.fromEntries([...new FormData(e.currentTarget).entries()].map(([k, v]) => [k, String(v).trim()]));
}
