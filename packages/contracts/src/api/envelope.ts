import { z } from "zod";
import { errorCode } from "../errors";

/** `meta` of list answers (interface contracts 2.2). */
export const listMeta = z.object({
  total: z.number().int().nonnegative().optional(),
  page: z.number().int().positive().optional(),
  per_page: z.number().int().positive().optional(),
  cursor: z.string().optional(),
});
export type ListMeta = z.infer<typeof listMeta>;

/** Success envelope around a data schema: `{ success: true, data, meta? }`. */
export function apiResponse<T extends z.ZodType>(data: T) {
  return z.object({ success: z.literal(true), data, meta: listMeta.optional() });
}

/** Error envelope: `{ success: false, error: { code, message, details?, request_id } }`. */
export const apiError = z.object({
  success: z.literal(false),
  error: z.object({
    code: errorCode,
    message: z.string(),
    details: z.unknown().optional(),
    request_id: z.string(),
  }),
});
export type ApiError = z.infer<typeof apiError>;

/** One field that failed validation, in `error.details` of a VALIDATION_ERROR. */
export const fieldIssue = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof fieldIssue>;

/** `page`/`per_page` query of paged lists (per_page max 100). */
export const pageQuery = z.strictObject({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
});

/** `:id`-style path parameter holding a UUID. */
export const idParam = <K extends string>(name: K) =>
  z.strictObject({ [name]: z.uuid() } as { [P in K]: ReturnType<typeof z.uuid> });
