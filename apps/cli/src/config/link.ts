import fs from "node:fs";
import path from "node:path";
import { parse, stringify } from "smol-toml";
import { z } from "zod";
import { CliError, EXIT } from "../exit-codes";

/** What `syn link` records in a directory: the service its commands act on when none is named. */
export const linkSchema = z.object({
  url: z.string(),
  org_id: z.string(),
  project_id: z.string(),
  project: z.string(),
  service_id: z.string(),
  service: z.string(),
});
export type Link = z.infer<typeof linkSchema>;

/** The link file, relative to a linked directory. */
export const LINK_FILE = path.join(".syntra", "link.toml");

/** The nearest link file from `dir` upwards (as git finds its repository), or null. */
export function findLink(dir = process.cwd()): { file: string; link: Link } | null {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const file = path.join(at, LINK_FILE);
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      const parsed = linkSchema.safeParse(safeParse(text));
      if (!parsed.success)
        throw new CliError(`${file} is not a link file syn wrote; remove it or run syn link`, EXIT.usage);
      return { file, link: parsed.data };
    }
    if (path.dirname(at) === at) return null;
  }
}

function safeParse(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return null;
  }
}

/** Writes the link file in `dir` (not secret: no token in it). */
export function writeLink(link: Link, dir = process.cwd()): string {
  const file = path.join(dir, LINK_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `# Written by syn link: syn deploy, logs, env and exec act on this service here.\n${stringify(link)}`,
  );
  return file;
}

/** Removes the link file of `dir` (not of a parent); false when there was none. */
export function removeLink(dir = process.cwd()): boolean {
  const file = path.join(dir, LINK_FILE);
  if (!fs.existsSync(file)) return false;
  fs.rmSync(file);
  try {
    fs.rmdirSync(path.dirname(file));
  } catch {
    // Other files live in .syntra/: it stays.
  }
  return true;
}
