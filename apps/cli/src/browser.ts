import { spawn } from "node:child_process";

/**
 * Opens a URL in the user's browser: `$BROWSER` when set (as many tools honour it), else the platform's opener
 * (`xdg-open`, `open`, `start`). The URL is one argv item, never part of a shell string. Resolves false when no
 * opener could be started, so the caller prints the URL instead.
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const [command, args] =
    env.BROWSER !== undefined && env.BROWSER !== ""
      ? [env.BROWSER, [url]]
      : process.platform === "darwin"
        ? ["open", [url]]
        : process.platform === "win32"
          ? ["cmd", ["/c", "start", '""', url]]
          : ["xdg-open", [url]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.once("error", () => resolve(false));
    child.once("spawn", () => {
      child.unref();
      resolve(true);
    });
  });
}
