import type { ClientLike, Integration } from "../core/types";

/** A CSS-like name of a clicked element: `button#buy.primary[data-testid="buy"]`, with up to two ancestors. */
export function describeElement(el: Element | null): string {
  const parts: string[] = [];
  for (let node = el; node && parts.length < 3 && node.nodeType === 1; node = node.parentElement) {
    let part = node.tagName.toLowerCase();
    if (node.id) part += `#${node.id}`;
    const classes = typeof node.className === "string" ? node.className.trim().split(/\s+/).filter(Boolean) : [];
    for (const c of classes.slice(0, 3)) part += `.${c}`;
    for (const attr of ["data-testid", "name", "type", "aria-label"]) {
      const value = node.getAttribute(attr);
      if (value) part += `[${attr}="${value.slice(0, 40)}"]`;
    }
    parts.unshift(part);
    if (node.id) break;
  }
  return parts.join(" > ");
}

/** Breadcrumbs of clicks: the element clicked, named by tag, id, classes and a few attributes (never its text). */
export function clickBreadcrumbs(): Integration {
  return {
    name: "ClickBreadcrumbs",
    setup(client) {
      if (typeof document === "undefined") return undefined;
      const onClick = (event: Event) => {
        client.addBreadcrumb({ type: "ui", category: "ui.click", message: describeElement(event.target as Element) });
      };
      document.addEventListener("click", onClick, true);
      return () => document.removeEventListener("click", onClick, true);
    },
  };
}

function pathOf(url: string | URL | null | undefined): string {
  try {
    const u = new URL(String(url ?? ""), globalThis.location?.href);
    return u.origin === globalThis.location?.origin ? `${u.pathname}${u.hash}` : `${u.origin}${u.pathname}`;
  } catch {
    return String(url);
  }
}

/** Breadcrumbs of page changes: history.pushState/replaceState (single-page apps), back/forward and hash changes. */
export function navigationBreadcrumbs(): Integration {
  return {
    name: "NavigationBreadcrumbs",
    setup(client) {
      if (typeof history === "undefined" || typeof location === "undefined") return undefined;
      let last = pathOf(location.href);
      const record = (to: string) => {
        const next = pathOf(to);
        if (next === last) return;
        client.addBreadcrumb({ type: "navigation", category: "navigation", data: { from: last, to: next } });
        last = next;
      };
      const wrap = (method: "pushState" | "replaceState") => {
        const original = history[method];
        history[method] = function (this: History, data: unknown, unused: string, url?: string | URL | null) {
          const result = original.call(this, data, unused, url);
          if (url !== undefined && url !== null) record(String(url));
          return result;
        };
        return () => {
          history[method] = original;
        };
      };
      const undo = [wrap("pushState"), wrap("replaceState")];
      const onPop = () => record(location.href);
      addEventListener("popstate", onPop);
      addEventListener("hashchange", onPop);
      return () => {
        for (const u of undo) u();
        removeEventListener("popstate", onPop);
        removeEventListener("hashchange", onPop);
      };
    },
  };
}

function crumb(client: ClientLike, method: string, url: string, status?: number, error?: unknown): void {
  client.addBreadcrumb({
    type: "http",
    category: "fetch",
    level: error || (status ?? 0) >= 500 ? "error" : (status ?? 0) >= 400 ? "warning" : "info",
    message: `${method} ${pathOf(url)}${status ? ` [${status}]` : ""}`,
    data: {
      method,
      url: pathOf(url),
      ...(status !== undefined && { status_code: status }),
      ...(error !== undefined && { error: String(error) }),
    },
  });
}

/**
 * Breadcrumbs of the page's fetch and XMLHttpRequest calls (method, URL without query, status). The SDK's own
 * requests (to its errors endpoint) are left out.
 */
export function fetchBreadcrumbs(ownUrl: string): Integration {
  const isOwn = (url: string) => url.startsWith(ownUrl);
  return {
    name: "FetchBreadcrumbs",
    setup(client) {
      const undo: (() => void)[] = [];
      const g = globalThis as { fetch?: typeof fetch; XMLHttpRequest?: typeof XMLHttpRequest };
      const originalFetch = g.fetch;
      if (typeof originalFetch === "function") {
        g.fetch = async function syntraFetch(input: RequestInfo | URL, init?: RequestInit) {
          const url = input instanceof Request ? input.url : String(input);
          const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
          try {
            const res = await originalFetch.call(globalThis, input, init);
            if (!isOwn(url)) crumb(client, method, url, res.status);
            return res;
          } catch (err) {
            if (!isOwn(url)) crumb(client, method, url, undefined, err);
            throw err;
          }
        };
        undo.push(() => {
          g.fetch = originalFetch;
        });
      }
      const xhr = g.XMLHttpRequest?.prototype;
      if (xhr) {
        const { open, send } = xhr;
        const info = new WeakMap<XMLHttpRequest, { method: string; url: string }>();
        xhr.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
          info.set(this, { method: method.toUpperCase(), url: String(url) });
          return (open as (...a: unknown[]) => void).call(this, method, url, ...rest);
        } as typeof xhr.open;
        xhr.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
          const req = info.get(this);
          if (req && !isOwn(req.url)) {
            this.addEventListener("loadend", () => crumb(client, req.method, req.url, this.status || undefined));
          }
          return send.call(this, body);
        };
        undo.push(() => {
          xhr.open = open;
          xhr.send = send;
        });
      }
      return () => {
        for (const u of undo) u();
      };
    },
  };
}
