import type { Integration, Options } from "./types";

/**
 * The integrations to set up: the defaults plus the app's (an app integration replaces a default of the same name),
 * or whatever the app's function picks from the defaults.
 */
export function resolveIntegrations(defaults: Integration[], chosen: Options["integrations"]): Integration[] {
  if (typeof chosen === "function") return chosen(defaults);
  if (!chosen) return defaults;
  const names = new Set(chosen.map((i) => i.name));
  return [...defaults.filter((i) => !names.has(i.name)), ...chosen];
}
