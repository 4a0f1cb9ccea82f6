import { isoTimestamp } from "../common";

// Telemetry lives in ClickHouse's DateTime64, which holds 1900-01-01 to 2299-12-31: a bound outside it cannot be
// compared there (the query failed with a 500), and no data lies outside it.
const EARLIEST = Date.parse("1900-01-01T00:00:00Z");
const LATEST = Date.parse("2299-12-31T23:59:59.999Z");

/** A bound of a time-range query: a timestamp from 1900 to 2299. */
export const rangeBound = isoTimestamp.refine((value) => {
  const instant = Date.parse(value);
  return instant >= EARLIEST && instant <= LATEST;
}, "must be between 1900-01-01 and 2299-12-31");

/** Optional `from`/`to` bounds of a time-range query, spread into its `z.strictObject`. */
export const timeRangeFields = {
  from: rangeBound.optional(),
  to: rangeBound.optional(),
};

/** Refinement check: `from` is not after `to` when both are given. */
export function fromNotAfterTo(query: { from?: string | undefined; to?: string | undefined }): boolean {
  // Compare instants, not strings: the two bounds may carry different offsets.
  return query.from === undefined || query.to === undefined || Date.parse(query.from) <= Date.parse(query.to);
}

/** The issue `fromNotAfterTo` raises, reported on `from`. */
export const timeRangeIssue = { message: "from cannot be after to", path: ["from"] };
