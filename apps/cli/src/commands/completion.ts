import type { Command } from "commander";
import { bashCompletion, fishCompletion, zshCompletion } from "../completion";
import { CliError, EXIT } from "../exit-codes";
import { type GlobalOptions, openSession } from "../session";

/** `syn completion <shell>`. */
export function printCompletion(program: Command, shell: string): void {
  const scripts: Record<string, (p: Command) => string> = {
    bash: bashCompletion,
    zsh: zshCompletion,
    fish: fishCompletion,
  };
  const make = scripts[shell];
  if (!make) throw new CliError(`No completion for '${shell}'; choose bash, zsh or fish`, EXIT.usage);
  process.stdout.write(make(program));
}

/** `syn __complete services`: words the completion scripts offer (service names), quietly empty on any failure. */
export async function completeWords(what: string, opts: GlobalOptions): Promise<void> {
  if (what !== "services") return;
  try {
    const session = await openSession(opts);
    const services = await session.api.services.list();
    const names = new Set(services.flatMap((s) => [s.name, `${s.project.slug}/${s.name}`]));
    process.stdout.write(`${[...names].join("\n")}\n`);
  } catch {
    // Not logged in or offline: nothing to offer.
  }
}
