import { ApiError } from "@syntra/api-client";
import { readConfig, writeConfig } from "../config/config-file";
import { CliError, EXIT } from "../exit-codes";
import { Output } from "../output";
import { type GlobalOptions, openSession } from "../session";

/** `syn orgs list`: the user's organizations, the one in use marked. */
export async function listOrgs(opts: GlobalOptions): Promise<void> {
  const session = await openSession(opts);
  const me = await session.api.auth.me();
  const { out } = session;
  out.result(
    me.orgs.map((o) => ({ ...o, current: o.id === me.org?.id })),
    () =>
      out.table(
        ["", "NAME", "SLUG", "ROLE", "ID"],
        me.orgs.map((o) => [o.id === me.org?.id ? "*" : "", o.name, o.slug, o.role, o.id]),
      ),
  );
}

/**
 * `syn orgs switch <org>`: the organization later commands act in (by slug, name or id), kept in the context.
 * Checked first: a token made for one organization cannot act in another.
 */
export async function switchOrg(org: string, opts: GlobalOptions): Promise<void> {
  const session = await openSession({ ...opts, org });
  if (session.tokenFrom === "SYNTRA_TOKEN") {
    throw new CliError("The token comes from SYNTRA_TOKEN", EXIT.usage, "Set SYNTRA_ORG (or --org) instead");
  }
  let me: Awaited<ReturnType<typeof session.api.auth.me>>;
  try {
    me = await session.api.auth.me();
  } catch (err) {
    if (err instanceof ApiError && err.code === "FORBIDDEN") {
      throw new CliError(err.message, EXIT.forbidden, "A token of one organization stays in it: log in with syn login");
    }
    throw err;
  }
  const config = readConfig();
  const context = config.contexts[session.contextName];
  if (!context || !me.org) throw new CliError("Not logged in", EXIT.auth, "Run syn login");
  config.contexts[session.contextName] = { ...context, org: me.org.id };
  writeConfig(config);
  const { out } = session;
  out.result(me.org, () => out.print(`Now in ${me.org?.name} (${me.org?.slug}) as ${me.org?.role}`));
}

/** `syn context list`: the configured control planes; tokens are never shown. */
export function listContexts(opts: GlobalOptions): void {
  const out = new Output(opts.json === true);
  const config = readConfig();
  const current = config.current_context ?? "default";
  const rows = Object.entries(config.contexts).map(([name, c]) => ({
    name,
    current: name === current,
    url: c.url,
    user: c.user ?? null,
    logged_in: c.token !== undefined,
  }));
  out.result(rows, () =>
    out.table(
      ["", "NAME", "URL", "USER", "LOGGED IN"],
      rows.map((r) => [r.current ? "*" : "", r.name, r.url, r.user ?? "", r.logged_in ? "yes" : "no"]),
    ),
  );
}

/** `syn context use <name>`: makes a context the current one. */
export function useContext(name: string, opts: GlobalOptions): void {
  const out = new Output(opts.json === true);
  const config = readConfig();
  if (!config.contexts[name]) throw new CliError(`No context '${name}'`, EXIT.notFound, "syn context list shows them");
  config.current_context = name;
  writeConfig(config);
  out.result({ current_context: name }, () => out.print(`Using context '${name}' (${config.contexts[name]?.url})`));
}

/** `syn context remove <name>`: forgets a context and its token (see syn logout to revoke it first). */
export function removeContext(name: string, opts: GlobalOptions): void {
  const out = new Output(opts.json === true);
  const config = readConfig();
  if (!config.contexts[name]) throw new CliError(`No context '${name}'`, EXIT.notFound);
  delete config.contexts[name];
  if (config.current_context === name) delete config.current_context;
  writeConfig(config);
  out.result({ removed: name }, () => out.print(`Removed context '${name}'`));
}
