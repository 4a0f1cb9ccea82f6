// The processes a program started, read from Linux's /proc: what `npm start` runs, and what each costs.
import fs from "node:fs/promises";

/** A process's command line, as its arguments (empty once it has ended). */
export async function commandLine(pid: number): Promise<string[]> {
  const raw = await fs.readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return raw.split("\0").filter(Boolean);
}

/** The parent of a process, from /proc/<pid>/stat (null once it has ended). */
async function parentOf(pid: number): Promise<number | null> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  // The command name (field 2) may hold spaces and parentheses: count from the last ")".
  return stat ? Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) : null;
}

/** Every process below `pid` (its children, their children, ...), with their command lines. */
export async function descendants(pid: number): Promise<{ pid: number; argv: string[] }[]> {
  const children = new Map<number, number[]>();
  for (const entry of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = await parentOf(Number(entry));
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const visit = (p: number) => {
    for (const child of children.get(p) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return Promise.all(found.map(async (p) => ({ pid: p, argv: await commandLine(p) })));
}
