import { domainToASCII } from "node:url";
import { domainName } from "@syntra/contracts";
import { parseInput } from "../http/validation";

/**
 * Turns what a user typed into the stored form: trimmed, lowercase, Unicode labels converted to punycode
 * (IDNA), no trailing dot; then checks it with the contracts' `domainName`, or throws VALIDATION_ERROR at `path`.
 * The conversion lives here, not in the contracts, because it needs node:url.
 */
export function normalizeDomain(raw: string, path: string): string {
  let name = raw.trim().toLowerCase();
  if (name.endsWith(".") && !name.endsWith("..")) name = name.slice(0, -1);
  const wildcard = name.startsWith("*.");
  const rest = wildcard ? name.slice(2) : name;
  // Only names that are Unicode apart from ASCII letters, digits, dots and dashes go through IDNA: domainToASCII
  // follows the URL standard, which silently drops tabs and newlines and rewrites numeric hosts. It answers ""
  // for what it cannot convert; the raw text then fails the check with its own message.
  const chars = [...rest];
  const idn =
    chars.some((c) => c.charCodeAt(0) > 127) && chars.every((c) => c.charCodeAt(0) > 127 || /[a-z0-9.-]/.test(c));
  const ascii = idn ? domainToASCII(rest) || rest : rest;
  return parseInput(domainName, `${wildcard ? "*." : ""}${ascii}`, path);
}
