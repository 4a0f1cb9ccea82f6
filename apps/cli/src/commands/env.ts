import fs from "node:fs";
import { parseEnv } from "node:util";
import { envVarKey, MASKED_VALUE } from "@syntra/contracts";
import { CliError, EXIT } from "../exit-codes";
import { resolveService, serviceLabel } from "../resolve";
import { type GlobalOptions, openSession, type Session } from "../session";

interface EnvOptions extends GlobalOptions {
  service?: string;
  reveal?: boolean;
  secret?: boolean;
  plain?: boolean;
  buildTime?: boolean;
}

async function target(opts: EnvOptions): Promise<{ session: Session; serviceId: string; label: string }> {
  const session = await openSession(opts);
  const service = await resolveService(session, opts.service);
  return { session, serviceId: service.id, label: serviceLabel(service) };
}

/** `syn env list`: the variables, secret values masked unless `--reveal` (which needs env:reveal). */
export async function listEnv(opts: EnvOptions): Promise<void> {
  const { session, serviceId } = await target(opts);
  const vars = await session.api.env.list({ serviceId, reveal: opts.reveal === true });
  const { out } = session;
  out.result(vars, () =>
    out.table(
      ["KEY", "VALUE", "FLAGS"],
      vars.map((v) => [
        v.key,
        v.masked ? out.paint.dim(v.value) : v.value,
        [v.is_secret ? "secret" : "", v.is_build_time ? "build-time" : ""].filter(Boolean).join(", "),
      ]),
    ),
  );
}

/** `syn env get KEY`: one value (masked when secret, unless `--reveal`), alone on stdout for scripts. */
export async function getEnv(key: string, opts: EnvOptions): Promise<void> {
  const { session, serviceId, label } = await target(opts);
  const vars = await session.api.env.list({ serviceId, reveal: opts.reveal === true });
  const found = vars.find((v) => v.key === key);
  if (!found) throw new CliError(`${label} has no variable ${key}`, EXIT.notFound);
  const { out } = session;
  out.result(found, () => {
    out.print(found.value);
    if (found.masked) out.warn(`${key} is secret and shown masked (${MASKED_VALUE}); add --reveal to see it`);
  });
}

/** `KEY=VALUE` arguments as variables; the value may hold `=` and be empty. */
export function parseAssignments(items: string[]): { key: string; value: string }[] {
  const seen = new Set<string>();
  return items.map((item) => {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new CliError(`'${item}' is not KEY=VALUE`, EXIT.usage);
    const key = item.slice(0, eq);
    if (!envVarKey.safeParse(key).success) {
      throw new CliError(`'${key}' is not a variable name (letters, digits, _; not starting with a digit)`, EXIT.usage);
    }
    if (seen.has(key)) throw new CliError(`${key} is given twice`, EXIT.usage);
    seen.add(key);
    return { key, value: item.slice(eq + 1) };
  });
}

/**
 * Sets variables (others are kept). `--secret` / `--plain` mark them secret or not; without either, new ones are
 * secret (the API's default) and existing ones keep their flag.
 */
async function putVariables(opts: EnvOptions, variables: { key: string; value: string }[]): Promise<void> {
  if (opts.secret && opts.plain) throw new CliError("--secret and --plain contradict each other", EXIT.usage);
  if (variables.length === 0) throw new CliError("Nothing to set", EXIT.usage);
  const { session, serviceId, label } = await target(opts);
  const flags = {
    ...(opts.secret && { is_secret: true }),
    ...(opts.plain && { is_secret: false }),
    ...(opts.buildTime && { is_build_time: true }),
  };
  const result = await session.api.env.put({ serviceId, variables: variables.map((v) => ({ ...v, ...flags })) });
  const { out } = session;
  out.result(result, () => {
    out.print(`Set ${result.updated.join(", ")} on ${label}`);
    out.note("Running containers see the change after the next deploy (syn deploy).");
  });
}

/** `syn env set KEY=VALUE...`. */
export function setEnv(items: string[], opts: EnvOptions): Promise<void> {
  return putVariables(opts, parseAssignments(items));
}

/** `syn env import <file>`: every variable of a .env file (`-` for stdin), in one request. */
export async function importEnv(file: string, opts: EnvOptions): Promise<void> {
  let text: string;
  try {
    text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${(err as Error).message}`, EXIT.usage);
  }
  const parsed = parseEnv(text);
  const variables = Object.entries(parsed).map(([key, value]) => ({ key, value: value ?? "" }));
  for (const { key } of variables) {
    if (!envVarKey.safeParse(key).success) throw new CliError(`${file}: '${key}' is not a variable name`, EXIT.usage);
  }
  await putVariables(opts, variables);
}

/** `syn env unset KEY...`. */
export async function unsetEnv(keys: string[], opts: EnvOptions): Promise<void> {
  const { session, serviceId, label } = await target(opts);
  for (const key of keys) await session.api.env.remove({ serviceId, key });
  const { out } = session;
  out.result({ removed: keys }, () => out.print(`Removed ${keys.join(", ")} from ${label}`));
}
