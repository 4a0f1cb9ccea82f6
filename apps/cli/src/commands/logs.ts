import type { LogStreamEvent } from "@syntra/contracts";
import { parseSince } from "../duration";
import { CliError, EXIT, exitCodeOfApiError } from "../exit-codes";
import { resolveService } from "../resolve";
import { type GlobalOptions, openSession } from "../session";

interface LogsOptions extends GlobalOptions {
  follow?: boolean;
  since?: string;
  level?: "debug" | "info" | "warn" | "error";
  search?: string;
  tail?: string;
}

/**
 * `syn logs [service]`: the service's container logs, the last `--tail` lines (since `--since`), filtered by
 * `--level` and `--search`; with `-f` new lines as they come, until Ctrl-C. `--json`: one log entry per line.
 */
export async function logs(wanted: string | undefined, opts: LogsOptions): Promise<void> {
  const tail = opts.tail === undefined ? 100 : Number(opts.tail);
  if (!Number.isInteger(tail) || tail < 0 || tail > 1000) throw new CliError("--tail takes 0 to 1000", EXIT.usage);
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  const session = await openSession(opts);
  const service = await resolveService(session, wanted);
  const { out } = session;
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  let failure: Extract<LogStreamEvent, { type: "error" }> | undefined;
  const onEvent = (event: LogStreamEvent) => {
    switch (event.type) {
      case "log": {
        const e = event.entry;
        if (out.json) return out.jsonLine(e);
        const level =
          e.level === "error" || e.level === "fatal"
            ? out.paint.red(e.level.padEnd(5))
            : out.paint.dim(e.level.padEnd(5));
        return out.print(`${out.paint.dim(e.timestamp)} ${level} ${e.message}`);
      }
      case "end":
        return;
      case "error":
        failure = event;
        return;
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  };
  await session.api.live.serviceLogs(
    {
      serviceId: service.id,
      tail,
      follow: opts.follow === true,
      ...(since !== undefined && { since }),
      ...(opts.level !== undefined && { level: opts.level }),
      ...(opts.search !== undefined && { search: opts.search }),
    },
    onEvent,
    { signal: stop.signal },
  );
  if (failure) {
    const code = exitCodeOfApiError(failure);
    throw new CliError(`The log stream failed: ${failure.message}`, code);
  }
}
