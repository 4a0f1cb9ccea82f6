// The `syn` CLI end to end: the bundled CLI process against the real control plane, a real agent, Caddy and
// Docker (e2e/stack.ts). Login by the device flow (approved through the API as the dashboard does, and once on the
// dashboard's page in Chromium) and by token,
// deploys streaming to success and failure, logs -f, env, exec with exit codes and a terminal session driven
// through a pseudo-terminal, rollback, completion scripts in bash, and --json checked against schemas.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  deploymentDetail,
  envVar,
  errorGroup,
  issueListItem,
  serviceLogEntry,
  serviceOverview,
} from "@syntra/contracts";
import { ensureTestImages } from "@syntra/testing/images";
import { get } from "@syntra/testing/traffic";
import { z } from "zod";
import { EXIT } from "../apps/cli/src/exit-codes";
import {
  detachedDeployOutput,
  errorOutput,
  linkOutput,
  loginOutput,
  orgsOutput,
  statusOutput,
  whoamiOutput,
} from "../apps/cli/src/output-schemas";
import { ingestErrorEvents } from "../apps/server/src/issues/ingest";
import { errorEventFixture } from "../apps/server/src/testing/error-fixtures";
import { TEST_PASSWORD } from "../apps/server/src/testing/harness";
import { buildCli } from "../scripts/build-cli";
import { ensureWebBuild } from "../scripts/build-web";
import { DESKTOP, goto, launchBrowser, shoot } from "./browser";
import { SynUser, type SynUser as SynUserType } from "./cli-process";
import { createWebService, type Stack, startStack, waitDeployment } from "./stack";

const here = path.dirname(fileURLToPath(import.meta.url));
const DOMAIN = "web.cli.e2e.test";
let stack: Stack;
let serviceId: string;
let bundle: string;
let user: SynUserType;

/** Parses stdout as JSON of a schema; fails with the output when it does not match. */
function json<S extends z.ZodType>(schema: S, stdout: string): z.output<S> {
  const parsed = schema.safeParse(JSON.parse(stdout));
  assert.ok(parsed.success, `${parsed.success ? "" : parsed.error.message}\n${stdout}`);
  return parsed.data;
}

async function ownerToken(name: string): Promise<string> {
  const res = await stack.t.call("POST", "/api/v1/tokens", { as: stack.owner, body: { name } });
  return res.body.data.token;
}

const served = async () => (await get(stack.caddy.httpPort, DOMAIN)).body.trim();

before(async () => {
  await ensureTestImages("v1", "v2", "broken-1");
  // Before the control plane starts: it serves the dashboard only when the build is there.
  await ensureWebBuild({ quiet: true });
  bundle = await buildCli();
  stack = await startStack({ SYNTRA_DEVICE_POLL_SECONDS: "1" });
  serviceId = await createWebService(stack, "web", DOMAIN, 1);
  user = await SynUser.create(bundle);
});
after(async () => {
  await user?.close();
  await stack?.close();
});

test("syn login by the device flow: the code is approved as the dashboard does, the token lands in a 0600 config", async () => {
  const login = user.start(["login", "--url", stack.baseUrl, "--no-browser"]);
  const [, code] = await login.waitFor(/enter the code ([A-Z]{4}-[A-Z]{4})/, "stderr");
  // The dashboard's dialog: the signed-in owner looks the code up and approves it.
  const shown = await stack.t.call("GET", `/api/v1/auth/device/${code}`, { as: stack.owner });
  assert.equal(shown.body.data.status, "pending");
  assert.match(shown.body.data.client_name, /^syn on /);
  const approved = await stack.t.call("POST", "/api/v1/auth/device/approve", {
    as: stack.owner,
    body: { user_code: code?.toLowerCase() },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Logged in to .* as owner@example.com in Acme \(owner\)/);

  const file = path.join(user.home, ".syntra", "config.toml");
  const stat = await fs.stat(file);
  assert.equal(stat.mode & 0o777, 0o600);
  assert.equal((await fs.stat(path.dirname(file))).mode & 0o777, 0o700);
  const config = await fs.readFile(file, "utf8");
  const token = /token = "(syn_usr_[A-Za-z0-9]+)"/.exec(config)?.[1];
  assert.ok(token, config);
  assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token), "the token is never printed");

  const who = await user.run(["whoami", "--json"]);
  assert.equal(who.code, 0, who.stderr);
  const me = json(whoamiOutput, who.stdout);
  assert.equal(me.user.email, "owner@example.com");
  assert.equal(me.org?.name, "Acme");
  assert.equal(me.token_from, "context");
  const contexts = await user.run(["context", "list"]);
  assert.ok(!contexts.stdout.includes(token), "context list never shows the token");

  // A refused login ends with exit 3 and says so.
  const refused = user.start(["login", "--url", stack.baseUrl, "--no-browser", "--context", "refused"]);
  const [, other] = await refused.waitFor(/enter the code ([A-Z]{4}-[A-Z]{4})/, "stderr");
  await stack.t.call("POST", "/api/v1/auth/device/deny", { as: stack.owner, body: { user_code: other } });
  const denied = await refused.done;
  assert.equal(denied.code, EXIT.auth);
  assert.match(denied.stderr, /refused/);
});

test("syn login approved on the dashboard's /device page in a real browser", async () => {
  const browser = await launchBrowser();
  const other = await SynUser.create(bundle);
  try {
    const login = other.start(["login", "--url", stack.baseUrl, "--no-browser"]);
    const [, code] = await login.waitFor(/enter the code ([A-Z]{4}-[A-Z]{4})/, "stderr");
    const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    page.setDefaultTimeout(30_000);
    // The link the terminal printed, opened signed out: sign in first, then back to the code.
    await goto(page, `${stack.baseUrl}/device?code=${code}`);
    await page.getByLabel("Email").fill("owner@example.com");
    await page.getByLabel("Password", { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(/^syn on /).waitFor();
    await page.getByText(`Code ${code}`).waitFor();
    await shoot(page, "device-login");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByText("You can return to your terminal").waitFor();
    const result = await login.done;
    assert.equal(result.code, 0, result.stderr);
    const who = await other.run(["whoami", "--json"]);
    assert.equal(json(whoamiOutput, who.stdout).user.email, "owner@example.com");
    assert.equal((await other.run(["logout"])).code, 0);
  } finally {
    await browser.close();
    await other.close();
  }
});

test("syn login --token for CI, SYNTRA_URL/SYNTRA_TOKEN without a config, and a refused token's error", async () => {
  const ci = await SynUser.create(bundle);
  try {
    const token = await ownerToken("ci");
    const login = await ci.run(["login", "--url", stack.baseUrl, "--token", "-", "--json"], { input: `${token}\n` });
    assert.equal(login.code, 0, login.stderr);
    assert.equal(json(loginOutput, login.stdout).user.email, "owner@example.com");
    assert.ok(!login.stdout.includes(token));

    const fresh = await SynUser.create(bundle);
    const viaEnv = await fresh.run(["whoami", "--json"], { env: { SYNTRA_URL: stack.baseUrl, SYNTRA_TOKEN: token } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(json(whoamiOutput, viaEnv.stdout).token_from, "SYNTRA_TOKEN");
    const notLoggedIn = await fresh.run(["status"]);
    assert.equal(notLoggedIn.code, EXIT.auth);
    assert.match(notLoggedIn.stderr, /Not logged in/);
    await fresh.close();

    const bad = await ci.run(["whoami", "--json"], { env: { SYNTRA_TOKEN: `syn_usr_${"x".repeat(40)}` } });
    assert.equal(bad.code, EXIT.auth);
    const error = json(errorOutput, bad.stderr).error;
    assert.equal(error.code, "UNAUTHORIZED");
    assert.match(error.request_id ?? "", /^req_/);
    const human = await ci.run(["whoami"], { env: { SYNTRA_TOKEN: `syn_usr_${"x".repeat(40)}` } });
    assert.match(human.stderr, /Error: Invalid API token \(request req_[0-9a-f]+\)/);

    // logout forgets a hand-given token but does not revoke it.
    const out = await ci.run(["logout"]);
    assert.equal(out.code, 0, out.stderr);
    const still = await ci.run(["whoami"], { env: { SYNTRA_URL: stack.baseUrl, SYNTRA_TOKEN: token } });
    assert.equal(still.code, 0, "a token given with --token stays valid after logout");
  } finally {
    await ci.close();
  }
});

test("syn status, services and orgs --json match their schemas", async () => {
  const status = await user.run(["status", "--json"]);
  assert.equal(status.code, 0, status.stderr);
  const parsed = json(statusOutput, status.stdout);
  assert.equal(parsed.servers[0]?.status, "online");
  assert.ok(parsed.services.some((s) => s.id === serviceId));
  const human = await user.run(["status"]);
  assert.match(human.stdout, /Servers \(1\)[\s\S]*e2e\s+online[\s\S]*p-web\/web/);
  assert.ok(!human.stdout.includes("\u001b["), "no colours off a terminal");

  const services = await user.run(["services", "list", "--json"]);
  assert.equal(json(z.array(serviceOverview), services.stdout)[0]?.name, "web");
  const orgs = await user.run(["orgs", "--json"]);
  assert.deepEqual(
    json(orgsOutput, orgs.stdout).map((o) => [o.name, o.current]),
    [["Acme", true]],
  );
  const missing = await user.run(["services", "show", "nope", "--json"]);
  assert.equal(missing.code, EXIT.notFound);
  assert.match(json(errorOutput, missing.stderr).error.message, /No service 'nope'/);
  const usage = await user.run(["deploy", "--strategy", "sideways"]);
  assert.equal(usage.code, EXIT.usage);
});

let secondDeployment = "";

test("syn deploy streams the deploy log and exits 0 once running (--json: the deployment)", async () => {
  const run = await user.run(["deploy", "web", "--tag", "v1", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const d = json(deploymentDetail, run.stdout);
  assert.equal(d.status, "running");
  assert.match(run.stderr, /\[health_check/, "the deploy progress streamed (to stderr with --json)");
  assert.equal(await served(), "v1");

  const human = await user.run(["deploy", "p-web/web", "--tag", "v2"]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /\[\w+ \d+%\] /);
  secondDeployment = /✓ Deployment ([0-9a-f-]+) running/.exec(human.stdout)?.[1] ?? "";
  assert.ok(secondDeployment, human.stdout);
  assert.equal(await served(), "v2");
});

test("a deploy that fails its health check exits 6 with the reason; rollback goes back to the version before", async () => {
  const broken = await user.run(["deploy", "web", "--tag", "broken-1"]);
  assert.equal(broken.code, EXIT.deployFailed, broken.stdout + broken.stderr);
  assert.match(broken.stdout, /✗ Deployment [0-9a-f-]+ rolled_back: .*health/i);
  assert.equal(await served(), "v2", "the old version kept serving");

  // The current deployment is v2's; the one before it that ran is v1's.
  const back = await user.run(["rollback", "web", "--json"]);
  assert.equal(back.code, 0, back.stderr);
  const d = json(deploymentDetail, back.stdout);
  assert.equal(d.trigger_type, "rollback");
  assert.equal(d.rollback_from_id, secondDeployment);
  assert.match(d.image ?? "", /:v1$/);
  assert.equal(await served(), "v1");

  // --detach answers at once with the deployment, still on its way.
  const detached = await user.run(["deploy", "web", "--tag", "v2", "--detach", "--json"]);
  assert.equal(detached.code, 0, detached.stderr);
  const started = json(detachedDeployOutput, detached.stdout);
  assert.ok(["queued", "deploying"].includes(started.status), started.status);
  assert.equal((await waitDeployment(stack, started.id)).status, "running");
});

test("syn logs -f follows new lines as they come; --json is one entry per line", async () => {
  const follow = user.start(["logs", "web", "-f", "--json", "--tail", "5"]);
  // Something that happens only after the follow began: a line the app's main process writes to its stderr.
  const marker = `cli-follow-${Date.now()}`;
  await follow.waitFor(/\n/);
  const wrote = await user.run(["exec", "web", "--", "sh", "-c", `echo ${marker} > /proc/1/fd/2`]);
  assert.equal(wrote.code, 0, wrote.stderr);
  await follow.waitFor(new RegExp(marker));
  follow.child.kill("SIGINT");
  const result = await follow.done;
  const lines = result.stdout.trim().split("\n");
  for (const line of lines) json(serviceLogEntry, line);

  const filtered = await user.run(["logs", "web", "--search", marker, "--level", "error", "--since", "10m"]);
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.match(filtered.stdout, new RegExp(marker));
  assert.ok(
    filtered.stdout
      .trim()
      .split("\n")
      .every((l) => l.includes(marker)),
    filtered.stdout,
  );
});

test("syn env: set, get masked and revealed, import a .env file, list --json, unset", async () => {
  const set = await user.run(["env", "set", "PLAIN=1", "URL=postgres://x?a=b", "--plain", "-s", "web"]);
  assert.equal(set.code, 0, set.stderr);
  assert.equal((await user.run(["env", "set", "API_KEY=s3cret-value", "-s", "web"])).code, 0);

  const masked = await user.run(["env", "get", "API_KEY", "-s", "web"]);
  assert.equal(masked.stdout.trim(), "********");
  assert.match(masked.stderr, /secret.*--reveal/);
  const revealed = await user.run(["env", "get", "API_KEY", "--reveal", "-s", "web"]);
  assert.equal(revealed.stdout, "s3cret-value\n");
  assert.equal((await user.run(["env", "get", "URL", "-s", "web"])).stdout, "postgres://x?a=b\n");

  const dotenv = path.join(user.home, ".env.production");
  await fs.writeFile(dotenv, '# comment\nFROM_FILE="two words"\nexport ALSO=yes\n');
  const imported = await user.run(["env", "import", dotenv, "--plain", "-s", "web"]);
  assert.equal(imported.code, 0, imported.stderr);

  const list = await user.run(["env", "list", "-s", "web", "--json"]);
  const vars = json(z.array(envVar), list.stdout);
  const byKey = Object.fromEntries(vars.map((v) => [v.key, v]));
  assert.equal(byKey.API_KEY?.value, "********");
  assert.equal(byKey.FROM_FILE?.value, "two words");
  assert.equal(byKey.ALSO?.value, "yes");
  assert.ok(!list.stdout.includes("s3cret-value"));

  assert.equal((await user.run(["env", "unset", "PLAIN", "ALSO", "-s", "web"])).code, 0);
  const after = json(z.array(envVar), (await user.run(["env", "list", "-s", "web", "--json"])).stdout);
  assert.deepEqual(after.map((v) => v.key).sort(), ["API_KEY", "FROM_FILE", "GREETING", "URL"]);
  const bad = await user.run(["env", "set", "1BAD=x", "-s", "web"]);
  assert.equal(bad.code, EXIT.usage);
});

test("syn exec: output streams back, the exit code passes through, -i feeds stdin", async () => {
  const run = await user.run(["exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
  assert.equal(run.code, 3, run.stderr);
  assert.equal(run.stdout, "out\n");
  assert.equal(run.stderr, "err\n");
  // Arguments are argv items, never a shell string: this is one argument to echo.
  const literal = await user.run(["exec", "web", "--", "echo", "$(id); rm -rf /"]);
  assert.equal(literal.stdout, "$(id); rm -rf /\n");

  const piped = await user.run(["exec", "web", "-i", "--", "sh", "-c", "tr a-z A-Z; exit 0"], { input: "hello\n" });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, "HELLO\n");

  const missing = await user.run(["exec", "web", "--", "no-such-program"]);
  assert.ok(missing.code === 126 || missing.code === 127, `${missing.code} ${missing.stderr}`);
  const unknown = await user.run(["exec", "nope", "--", "true"]);
  assert.equal(unknown.code, EXIT.execFailed);
  const noDash = await user.run(["exec", "web", "true"]);
  assert.equal(noDash.code, EXIT.usage);
  // Refused before the upgrade: the API's error, with its request id, through the WebSocket client.
  const viewer = await stack.t.member(stack.owner, "viewer@example.com", "viewer");
  const viewerToken = (await stack.t.call("POST", "/api/v1/tokens", { as: viewer, body: { name: "v" } })).body.data
    .token;
  const refused = await user.run(["exec", "web", "--", "true"], { env: { SYNTRA_TOKEN: viewerToken } });
  assert.equal(refused.code, EXIT.execFailed);
  assert.match(refused.stderr, /This needs the 'exec' permission \(request req_[0-9a-f]+\)/);
});

test("syn exec -it: an interactive shell through a pseudo-terminal, with resizes and the shell's exit code", async () => {
  const session = user.spawnProcess("python3", [
    path.join(here, "pty-session.py"),
    "40",
    "100",
    process.execPath,
    bundle,
    "exec",
    "web",
    "-it",
    "--",
    "sh",
  ]);
  const step = (s: object) => session.child.stdin?.write(`${JSON.stringify(s)}\n`);
  await session.waitFor(/~ # /);
  step({ write: "stty size; echo TTY=$(tty)\r" });
  await session.waitFor(/40 100[\s\S]*TTY=\/dev\/pts/);
  step({ resize: [50, 132] });
  // The resize travels to the container on its own (CLI, control plane, agent, Docker), beside the typed input:
  // ask again until the terminal reports the new size. Each round waits for the shell's answer, not for time.
  for (let round = 0; ; round++) {
    const before = session.stdout().length;
    step({ write: `stty size; echo mark-$((${round} + 1000))\r` });
    await session.waitFor(new RegExp(`mark-${round + 1000}`));
    if (/50 132/.test(session.stdout().slice(before))) break;
    assert.ok(round < 50, `the resize never reached the container:\n${session.stdout()}`);
  }
  step({ write: "exit 7\r" });
  const result = await session.done;
  assert.match(result.stderr, /EXIT 7/, result.stdout);
});

test("syn link: deploy, env and open need no service in a linked directory", async () => {
  const dir = await fs.mkdtemp(path.join(user.home, "app-"));
  const linked = await user.run(["link", "web", "--json"], { cwd: dir });
  assert.equal(linked.code, 0, linked.stderr);
  assert.equal(json(linkOutput, linked.stdout).service_id, serviceId);
  const sub = path.join(dir, "src");
  await fs.mkdir(sub);
  const env = await user.run(["env", "get", "FROM_FILE"], { cwd: sub });
  assert.equal(env.stdout, "two words\n", env.stderr);
  // No HTTPS in this stack, so the custom domain is not active: the service's default URL is what answers.
  const shown = (await stack.t.call("GET", `/api/v1/services/${serviceId}`, { as: stack.owner })).body.data;
  assert.ok(shown.default_url, JSON.stringify(shown));
  const open = await user.run(["open", "--print"], { cwd: dir });
  assert.equal(open.stdout.trim(), shown.default_url);
  // Without --print the URL goes to $BROWSER as one argv item.
  const seen = path.join(user.home, "browser-args");
  const browser = path.join(user.home, "browser.sh");
  await fs.writeFile(browser, `#!/bin/sh\nprintf '%s\\n' "$@" > ${seen}\n`, { mode: 0o755 });
  const opened = await user.run(["open", "--dashboard"], { cwd: dir, env: { BROWSER: browser } });
  assert.equal(opened.code, 0, opened.stderr);
  await waitForFile(seen);
  assert.match(
    await fs.readFile(seen, "utf8"),
    new RegExp(`^${stack.baseUrl}/projects/[0-9a-f-]+/services/${serviceId}\\n$`),
  );
  assert.equal((await user.run(["unlink"], { cwd: dir })).code, 0);
  const unlinked = await user.run(["env", "list"], { cwd: dir });
  assert.equal(unlinked.code, EXIT.usage);
});

async function waitForFile(file: string): Promise<void> {
  // The browser runs detached: its file appears when it has run (bounded, an event we cannot subscribe to).
  for (let i = 0; i < 100; i++) {
    if (
      await fs.stat(file).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${file} never appeared`);
}

test("completion scripts load in bash, zsh and fish and complete commands, options and service names", async () => {
  const script = (await user.run(["completion", "bash"])).stdout;
  const file = path.join(user.home, "syn.bash");
  await fs.writeFile(file, script);
  const bin = path.join(user.home, "bin");
  await fs.mkdir(bin, { recursive: true });
  await fs.writeFile(path.join(bin, "syn"), `#!/bin/sh\nexec ${process.execPath} ${bundle} "$@"\n`, { mode: 0o755 });
  const complete = async (line: string) => {
    const words = line.split(" ");
    const program = `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _syn; echo "\${COMPREPLY[*]}"`;
    const { stdout } = await promisify(execFile)("bash", ["-c", program], {
      env: { ...process.env, HOME: user.home, PATH: `${bin}:${process.env.PATH}` },
    });
    return stdout.trim().split(" ");
  };
  assert.deepEqual(await complete("syn de"), ["deploy"]);
  assert.deepEqual((await complete("syn env s")).sort(), ["set"]);
  assert.ok((await complete("syn deploy --st")).includes("--strategy"));
  assert.ok((await complete("syn deploy ")).includes("web"), "service names come from the API");
  assert.ok((await complete("syn env set -s ")).includes("p-web/web"));
  // zsh runs the same function through bashcompinit; fish has its own script (scripts/services/shells.sh
  // installs both from Debian).
  const shellEnv = { ...process.env, HOME: user.home, PATH: `${bin}:${process.env.PATH}` };
  const zshFile = path.join(user.home, "syn.zsh");
  await fs.writeFile(zshFile, (await user.run(["completion", "zsh"])).stdout);
  const zsh = await promisify(execFile)(
    "zsh",
    [
      "-fc",
      `autoload -U compinit && compinit -u -D; source ${zshFile}; print -r -- "\${_comps[syn]}"; setopt ksharrays; COMP_WORDS=(syn env s); COMP_CWORD=2; _syn; print -r -- "\${COMPREPLY[*]}"`,
    ],
    { env: shellEnv },
  );
  const [registered, reply] = zsh.stdout.trim().split("\n");
  assert.equal(registered, "_bash_complete -F _syn");
  assert.ok(reply?.split(" ").includes("set"), zsh.stdout);
  const fishFile = path.join(user.home, "syn.fish");
  await fs.writeFile(fishFile, (await user.run(["completion", "fish"])).stdout);
  const fish = await promisify(execFile)(
    "fish",
    ["-c", `source ${fishFile}; complete -C "syn de"; complete -C "syn env s"; complete -C "syn deploy "`],
    { env: shellEnv },
  );
  const offered = fish.stdout.split("\n").map((l) => l.split("\t")[0]);
  for (const word of ["deploy", "set", "web"]) assert.ok(offered.includes(word), fish.stdout);
});

test("syn issues: list a service's issues (--json), show one, resolve it", async () => {
  // An error as the ingest stores it (the SDK side of it is the errors domain's own tests).
  await ingestErrorEvents(stack.t.deps, { serviceId }, [errorEventFixture(serviceId)]);
  const list = await user.run(["issues", "web", "--json"]);
  assert.equal(list.code, 0, list.stderr);
  const [issue] = json(z.array(issueListItem), list.stdout);
  assert.ok(issue, list.stdout);
  assert.match(issue.title, /TypeError/);
  const human = await user.run(["issues", "list", "--project", "p-web"]);
  assert.match(human.stdout, new RegExp(`${issue.id}\\s+unresolved\\s+1`));
  const shown = await user.run(["issues", "show", issue.id]);
  assert.match(shown.stdout, /Culprit: +getOrder/);
  const resolved = await user.run(["issues", "resolve", issue.id, "--json"]);
  assert.equal(resolved.code, 0, resolved.stderr);
  assert.equal(json(z.array(errorGroup), resolved.stdout)[0]?.status, "resolved");
  const left = json(z.array(issueListItem), (await user.run(["issues", "web", "--json"])).stdout);
  assert.deepEqual(left, []);
});

test("syn logout revokes the token the device login made", async () => {
  const config = await fs.readFile(path.join(user.home, ".syntra", "config.toml"), "utf8");
  const token = /token = "(syn_usr_[A-Za-z0-9]+)"/.exec(config)?.[1] ?? "";
  const out = await user.run(["logout"]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /revoked/);
  const res = await stack.t.call("GET", "/api/v1/me", { as: { token } });
  assert.equal(res.status, 401);
  assert.equal((await user.run(["whoami"])).code, EXIT.auth);
});
