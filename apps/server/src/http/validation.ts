import type { FieldIssue } from "@syntra/contracts";
import type { z } from "zod";
import { AppError } from "../errors";

/** Parses one part of a request, or throws VALIDATION_ERROR listing each bad field as `<where>.<path>`. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details: FieldIssue[] = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message,
  }));
  const first = details[0];
  throw new AppError("VALIDATION_ERROR", first ? `${first.path}: ${first.message}` : `Invalid ${where}`, details);
}
