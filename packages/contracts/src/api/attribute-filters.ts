import { z } from "zod";
import { text } from "../common";

/**
 * `key:value` filters on attributes (the query parameter repeated, one filter each). The key is everything before the
 * first `:`, so values may hold colons (`http.url:https://…`). For logs, the keys `trace_id`, `span_id`, `source` and
 * `deployment_id` filter those columns instead of attributes.
 */
export const attributeFilters = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : [value]))
  .pipe(z.array(text(1000).regex(/^[^:\s][^:]{0,199}:/, "expected key:value")).max(10, "at most 10 attribute filters"));

/** A `key:value` filter split at its first colon. */
export function splitAttributeFilter(filter: string): { key: string; value: string } {
  const at = filter.indexOf(":");
  return { key: filter.slice(0, at), value: filter.slice(at + 1) };
}

/**
 * Splits what a person types into a search box into the substring to look for and its `key:value` filters:
 * `checkout failed user.id:42 http.route:"/cart items"` -> text `checkout failed`, filters `user.id:42` and
 * `http.route:/cart items`. A word is a filter only when a key is followed straight by a value (`error: refused` and
 * `https://x` stay text).
 */
export function parseSearchText(input: string): { text: string; attributes: string[] } {
  const attributes: string[] = [];
  const words: string[] = [];
  const pattern = /([A-Za-z_][\w.-]*):(?:"([^"]*)"|(?!\/\/)(\S+))|(\S+)/g;
  for (const m of input.matchAll(pattern)) {
    const [, key, quoted, bare, word] = m;
    if (key !== undefined && (quoted !== undefined || bare !== undefined)) {
      attributes.push(`${key}:${quoted ?? bare}`);
    } else if (word !== undefined) {
      words.push(word);
    } else {
      words.push(m[0]);
    }
  }
  return { text: words.join(" "), attributes };
}
