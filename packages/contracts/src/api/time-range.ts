import { isoTimestamp } from "../common";

/** Optional `from`/`to` bounds of a time-range query, spread into its `z.strictObject`. */
export const timeRangeFields = {
  from: isoTimestamp.optional(),
  to: isoTimestamp.optional(),
};

/** Refinement check: `from` is not after `to` when both are given. */
export function fromNotAfterTo(query: { from?: string | undefined; to?: string | undefined }): boolean {
  // Compare instants, not strings: the two bounds may carry different offsets.
  return query.from === undefined || query.to === undefined || Date.parse(query.from) <= Date.parse(query.to);
}

/** The issue `fromNotAfterTo` raises, reported on `from`. */
export const timeRangeIssue = { message: "from cannot be after to", path: ["from"] };
