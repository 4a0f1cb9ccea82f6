import { type FieldIssue, isStorableText, UNSTORABLE_TEXT_MESSAGE } from "@syntra/contracts";
import type { z } from "zod";
import { AppError } from "../errors";

/**
 * Parses one part of a request, or throws VALIDATION_ERROR listing each bad field as `<where>.<path>`.
 * Besides the schema, no string anywhere in the input (a key, a value under `z.unknown()`) may be one PostgreSQL
 * cannot store: the contract schemas refuse them field by field, and this catches what a schema lets through.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details: FieldIssue[] = result.error.issues.map((issue) => ({
      path: [where, ...issue.path.map(String)].join("."),
      message: issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message,
    }));
    const first = details[0];
    throw new AppError("VALIDATION_ERROR", first ? `${first.path}: ${first.message}` : `Invalid ${where}`, details);
  }
  const unstorable = findUnstorableString(value);
  if (unstorable) {
    const path = [where, ...unstorable].join(".");
    throw new AppError("VALIDATION_ERROR", `${path}: ${UNSTORABLE_TEXT_MESSAGE}`, [
      { path, message: UNSTORABLE_TEXT_MESSAGE },
    ]);
  }
  return result.data;
}

interface Visit {
  value: unknown;
  key: string;
  parent: Visit | null;
}

/** The path of the first string (or object key) in a JSON value that PostgreSQL cannot store; null when none. */
export function findUnstorableString(value: unknown): string[] | null {
  // Iterative, with parent links instead of path copies: a body of deeply nested arrays must cost neither the
  // stack nor memory quadratic in its depth.
  const stack: Visit[] = [{ value, key: "", parent: null }];
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    const v = visit.value;
    if (typeof v === "string") {
      if (!isStorableText(v)) return pathOf(visit);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: String(i), parent: visit });
    } else if (v !== null && typeof v === "object") {
      for (const [key, entry] of Object.entries(v)) {
        // The key itself is the bad string: named with its unprintable characters shown as '?'.
        if (!isStorableText(key)) return pathOf({ value: key, key: key.replace(/[^\x20-\x7e]/g, "?"), parent: visit });
        stack.push({ value: entry, key, parent: visit });
      }
    }
  }
  return null;
}

function pathOf(visit: Visit): string[] {
  const path: string[] = [];
  for (let v: Visit | null = visit; v?.parent; v = v.parent) path.push(v.key);
  return path.reverse();
}
