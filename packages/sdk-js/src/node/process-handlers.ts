import { inspect } from "node:util";
import type { Integration } from "../core/types";

/** What happens after an unhandled rejection is reported: Node's default (`exit`) or keep running (`warn`). */
export type UnhandledRejectionMode = "exit" | "warn";

/** The mode Node itself was started with (`--unhandled-rejections`), so adding the SDK does not change it. */
export function nodeRejectionMode(
  execArgv: string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS,
): UnhandledRejectionMode {
  const flags = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)];
  const flag = flags.find((f) => f.startsWith("--unhandled-rejections="));
  const value = flag?.split("=")[1];
  return value === "warn" || value === "none" || value === "warn-with-error-code" ? "warn" : "exit";
}

let exiting = false;

/** Prints the error as Node would have, sends what is queued (at most the shutdown timeout) and exits with 1. */
function crash(
  flush: (timeoutMs: number) => Promise<boolean>,
  timeoutMs: number,
  error: unknown,
  prefix: string,
): void {
  if (exiting) return;
  exiting = true;
  process.exitCode = 1;
  process.stderr.write(`${prefix}${inspect(error)}\n`);
  // The SDK's own timers do not hold the process open; this one does, until the events left or the time is up.
  const hold = setTimeout(() => process.exit(1), timeoutMs + 100);
  void flush(timeoutMs).finally(() => {
    clearTimeout(hold);
    process.exit(1);
  });
}

/**
 * Reports uncaught exceptions as fatal and unhandled. When no other handler is installed the process then ends as
 * Node's default would (the error printed, exit code 1), after the queued events are sent or the shutdown timeout
 * passes.
 */
export function uncaughtExceptionHandler(): Integration {
  return {
    name: "OnUncaughtException",
    setup(client) {
      const handler = (error: Error) => {
        client.captureException(error, { handled: false, mechanism: "onuncaughtexception", level: "fatal" });
        const others = process.listeners("uncaughtException").filter((l) => l !== handler);
        if (others.length === 0) crash((t) => client.flush(t), client.options.shutdownTimeout, error, "Uncaught ");
      };
      process.on("uncaughtException", handler);
      return () => process.off("uncaughtException", handler);
    },
  };
}

/**
 * Reports unhandled promise rejections. In Node's default mode the process then ends as Node would have ended it;
 * with `--unhandled-rejections=warn` (or mode "warn") it prints a warning and goes on.
 */
export function unhandledRejectionHandler(mode: UnhandledRejectionMode = nodeRejectionMode()): Integration {
  return {
    name: "OnUnhandledRejection",
    setup(client) {
      const handler = (reason: unknown) => {
        client.captureException(reason, { handled: false, mechanism: "onunhandledrejection", level: "error" });
        const others = process.listeners("unhandledRejection").filter((l) => l !== handler);
        if (others.length > 0) return;
        if (mode === "exit")
          crash((t) => client.flush(t), client.options.shutdownTimeout, reason, "Unhandled rejection: ");
        else process.stderr.write(`Unhandled rejection (reported to Syntra): ${inspect(reason)}\n`);
      };
      process.on("unhandledRejection", handler);
      return () => process.off("unhandledRejection", handler);
    },
  };
}

/**
 * Sends queued events when the event loop runs dry (the SDK's timers do not keep a process alive), so a script
 * that ends normally still delivers what it captured.
 */
export function flushOnExit(): Integration {
  return {
    name: "FlushOnExit",
    setup(client) {
      let flushing = false;
      const handler = () => {
        if (flushing) return;
        flushing = true;
        void client.flush().finally(() => {
          flushing = false;
        });
      };
      process.on("beforeExit", handler);
      return () => process.off("beforeExit", handler);
    },
  };
}
