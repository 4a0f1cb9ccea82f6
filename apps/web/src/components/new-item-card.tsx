import type { FormEvent, ReactNode } from "react";
import { ErrorNote } from "./states";
import { Button } from "./ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "./ui/card";

/**
 * The card of a "New …" form (monitors, channels, rules, status pages): the title, the form's own error above its
 * fields in a two-column grid, and the submit button, which says what it is doing while the request runs.
 */
export function NewItemCard({
  title,
  className = "mb-6",
  form,
  onSubmit,
  submit,
  children,
}: {
  title: string;
  className?: string;
  form: { formError: unknown; pending: boolean };
  onSubmit(e: FormEvent<HTMLFormElement>): void;
  /** The button's label, and its label while the form is submitting. */
  submit: { label: string; pending: string };
  children: ReactNode;
}) {
  return (
    <Card className={className}>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
      </CardHeader>
      <CardContent>
        <form className="grid gap-4 sm:grid-cols-2" noValidate onSubmit={onSubmit}>
          {form.formError != null && <ErrorNote className="sm:col-span-2" error={form.formError} />}
          {children}
          <Button type="submit" className="self-end justify-self-start" disabled={form.pending}>
            {form.pending ? submit.pending : submit.label}
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}

/** A full-width set of checkboxes choosing some of `options` (by key), e.g. the channels a rule notifies. */
export function Choices<T>({
  legend,
  options,
  keyOf,
  chosen,
  onChange,
  error,
  empty,
  children,
}: {
  legend: string;
  options: readonly T[];
  keyOf(option: T): string;
  chosen: readonly string[];
  onChange(chosen: string[]): void;
  error?: string | undefined;
  /** Shown instead of the boxes when there is nothing to choose. */
  empty?: ReactNode;
  /** An option's label. */
  children(option: T): ReactNode;
}) {
  return (
    <fieldset className="grid gap-1 text-sm sm:col-span-2">
      <legend className="mb-1 font-medium">{legend}</legend>
      {error && <p className="text-xs text-red-600">{error}</p>}
      {options.length === 0 && empty && <p className="text-zinc-500">{empty}</p>}
      {options.map((option) => {
        const key = keyOf(option);
        return (
          <label key={key} className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={chosen.includes(key)}
              onChange={(e) => onChange(e.target.checked ? [...chosen, key] : chosen.filter((x) => x !== key))}
            />
            {children(option)}
          </label>
        );
      })}
    </fieldset>
  );
}
