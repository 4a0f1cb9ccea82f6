import path from "node:path";

/**
 * The module of a file, which the control plane prefers to the filename when it groups errors (filenames differ
 * between machines and builds): inside node_modules the package path (`express/lib/router/layer`), otherwise the
 * path from the app's root without its extension (`src/routes/checkout`).
 */
export function moduleOf(filename: string, root: string = process.cwd()): string | undefined {
  if (!path.isAbsolute(filename)) return undefined;
  const normalized = filename.split(path.sep).join("/");
  const noExt = normalized.replace(/\.[cm]?[jt]sx?$/, "");
  const nm = noExt.lastIndexOf("/node_modules/");
  if (nm !== -1) return noExt.slice(nm + "/node_modules/".length);
  const base = root.split(path.sep).join("/").replace(/\/+$/, "");
  if (noExt.startsWith(`${base}/`)) return noExt.slice(base.length + 1);
  return path.posix.basename(noExt);
}
