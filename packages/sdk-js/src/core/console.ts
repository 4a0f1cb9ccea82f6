import type { Breadcrumb, Integration } from "./types";

/** The console methods that are watched, and the breadcrumb level of each. */
export const CONSOLE_LEVELS = {
  debug: "debug",
  info: "info",
  log: "info",
  warn: "warning",
  error: "error",
} as const satisfies Record<string, Breadcrumb["level"]>;

/** A console method the SDK watches. */
export type ConsoleMethod = keyof typeof CONSOLE_LEVELS;

type Listener = (method: ConsoleMethod, args: unknown[]) => void;

const listeners = new Set<Listener>();
let originals: Partial<Record<ConsoleMethod, (...args: unknown[]) => void>> | undefined;
let busy = false;

/**
 * Calls `listener` for every console call, after the original method ran. The console is wrapped once however many
 * listeners there are, and put back when the last one leaves. A listener that logs does not call itself again.
 */
export function onConsole(listener: Listener): () => void {
  if (!originals) {
    originals = {};
    for (const method of Object.keys(CONSOLE_LEVELS) as ConsoleMethod[]) {
      const original = console[method] as (...args: unknown[]) => void;
      originals[method] = original;
      console[method] = function syntraConsole(this: unknown, ...args: unknown[]) {
        original.apply(this, args);
        if (busy) return;
        busy = true;
        try {
          for (const l of listeners) l(method, args);
        } catch {
          // a listener's failure must not break the app's logging
        } finally {
          busy = false;
        }
      };
    }
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && originals) {
      for (const [method, original] of Object.entries(originals)) {
        (console as unknown as Record<string, unknown>)[method] = original;
      }
      originals = undefined;
    }
  };
}

/** The console arguments as one line, the way browsers and Node print them (roughly, without util.format). */
export function formatArgs(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === "string") return a;
      if (a instanceof Error) return a.stack ?? `${a.name}: ${a.message}`;
      try {
        return JSON.stringify(a) ?? String(a);
      } catch {
        return String(a);
      }
    })
    .join(" ");
}

/** Breadcrumbs of console output. */
export function consoleBreadcrumbs(format: (args: unknown[]) => string = formatArgs): Integration {
  return {
    name: "ConsoleBreadcrumbs",
    setup(client) {
      return onConsole((method, args) => {
        client.addBreadcrumb({
          type: "console",
          category: "console",
          level: CONSOLE_LEVELS[method],
          message: format(args),
          ...(args.length > 1 && { data: { arguments: args } }),
        });
      });
    },
  };
}
