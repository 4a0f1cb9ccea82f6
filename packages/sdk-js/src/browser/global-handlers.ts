import type { Integration } from "../core/types";

/**
 * Errors nobody caught (window `error`) and promise rejections nobody handled (`unhandledrejection`), reported as
 * unhandled. A cross-origin script's error arrives as "Script error." with no details unless it is served with CORS.
 */
export function globalHandlers(): Integration {
  return {
    name: "GlobalHandlers",
    setup(client) {
      if (typeof addEventListener !== "function") return undefined;
      const onError = (event: ErrorEvent) => {
        const error =
          event.error ??
          Object.assign(new Error(event.message || "Script error."), {
            stack: `Error: ${event.message}\n    at ${event.filename || "<anonymous>"}:${event.lineno}:${event.colno}`,
          });
        client.captureException(error, { handled: false, mechanism: "onerror" });
      };
      const onRejection = (event: PromiseRejectionEvent) => {
        client.captureException(event.reason, { handled: false, mechanism: "onunhandledrejection" });
      };
      addEventListener("error", onError);
      addEventListener("unhandledrejection", onRejection);
      return () => {
        removeEventListener("error", onError);
        removeEventListener("unhandledrejection", onRejection);
      };
    },
  };
}
