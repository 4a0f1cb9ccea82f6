import { useState } from "react";
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
  const submit = async (input: unknown) => {
    setFormError(null);
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    setErrors({});
    setPending(true);
    try {
      await action(parsed.data);
    } catch (err) {
      if (err instanceof ApiError && err.fieldIssues.length > 0) {
        const fields: FieldErrors = {};
        for (const i of err.fieldIssues) fields[i.path.replace(/^body\./, "")] ??= i.message;
        setErrors(fields);
      }
      setFormError(err);
    } finally {
      setPending(false);
    }
  };
  return { errors, formError, pending, submit, setFormError };
}
