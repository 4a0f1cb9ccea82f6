import type { RuntimeInfo } from "../core/event";
import type { RequestData } from "../core/types";

/** The browser and OS named in a User-Agent (the same rule the control plane uses for Sentry events). */
export function browserOf(ua: string): { name: string; version: string } | undefined {
  for (const [name, pattern] of [
    ["Edge", /Edg\/(\d+)/],
    ["Firefox", /Firefox\/(\d+)/],
    ["Chrome", /(?:Chrome|Chromium|HeadlessChrome)\/(\d+)/],
    ["Safari", /Version\/(\d+)[\d.]* .*Safari\//],
  ] as const) {
    const m = pattern.exec(ua);
    if (m) return { name, version: m[1] as string };
  }
  return undefined;
}

function osOf(ua: string): string | undefined {
  if (/Windows/.test(ua)) return "Windows";
  if (/Android/.test(ua)) return "Android";
  if (/iPhone|iPad|iOS/.test(ua)) return "iOS";
  if (/Mac OS X/.test(ua)) return "macOS";
  if (/Linux/.test(ua)) return "Linux";
  return undefined;
}

/** Browser and OS tags and contexts, from the User-Agent. */
export function browserRuntime(): RuntimeInfo {
  const ua = globalThis.navigator?.userAgent ?? "";
  const browser = browserOf(ua);
  const os = osOf(ua);
  return {
    tags: {
      ...(browser && { browser: `${browser.name} ${browser.version}` }),
      ...(os && { os }),
    },
    contexts: {
      ...(browser && { browser }),
      ...(os && { os: { name: os } }),
    },
  };
}

/** The page as the event's request: its URL without query or fragment, and the User-Agent. */
export function pageRequest(): RequestData | undefined {
  const loc = globalThis.location;
  if (!loc?.href) return undefined;
  const ua = globalThis.navigator?.userAgent;
  return {
    url: `${loc.origin}${loc.pathname}`,
    ...(ua && { headers: { "User-Agent": ua } }),
  };
}
