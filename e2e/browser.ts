// The browser of the dashboard tests: Debian's chromium driven by playwright-core, and the screenshots each
// test writes to test-artifacts/screenshots/ (not committed).
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test-artifacts/screenshots");
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** A headless chromium; names under .e2e.test (the test apps' domains) resolve to this machine. */
export async function launchBrowser(): Promise<Browser> {
  await fs.mkdir(shots, { recursive: true });
  return chromium.launch({
    executablePath: execFileSync("which", ["chromium"]).toString().trim(),
    headless: true,
    // Root in a container has no user namespace sandbox.
    args: ["--no-sandbox", "--host-resolver-rules=MAP *.e2e.test 127.0.0.1"],
  });
}

/** The page at desktop then phone width, as PNGs named after it. */
export async function shoot(p: Page, name: string): Promise<void> {
  await p.waitForLoadState("networkidle").catch(() => {});
  await p.evaluate("window.scrollTo(0, 0)");
  await p.screenshot({ path: path.join(shots, `${name}-desktop.png`), fullPage: true });
  await p.setViewportSize(PHONE);
  await p.waitForTimeout(150);
  await p.screenshot({ path: path.join(shots, `${name}-phone.png`), fullPage: true });
  await p.setViewportSize(DESKTOP);
}

/**
 * Opens `url` in the page. Chromium aborts a load with ERR_NETWORK_CHANGED when a network interface appears
 * or goes, which Docker does whenever a test creates or removes a container or its network: such a load is
 * retried. The abort shows either as that error or as the load being replaced by Chromium's error page.
 */
export async function goto(p: Page, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await p.goto(url);
      return;
    } catch (err) {
      if (attempt >= 4 || !/ERR_NETWORK_CHANGED|chrome-error:\/\/chromewebdata/.test(String(err))) throw err;
    }
  }
}

/** A new desktop-sized context signed in with a session cookie, its page opened at `baseUrl` + `path`. */
export async function openAs(
  browser: Browser,
  baseUrl: string,
  cookie: string,
  path: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: DESKTOP });
  await context.addCookies([{ name: "syntra_session", value: cookie, url: baseUrl }]);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await goto(page, `${baseUrl}${path}`);
  return { context, page };
}
