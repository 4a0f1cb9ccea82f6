import { Command, Option } from "commander";
import { EXIT_CODE_HELP } from "./exit-codes";
import type { GlobalOptions } from "./session";
import { VERSION } from "./version";

type Action = (...args: never[]) => Promise<void> | void;

/**
 * Wraps a command's action: the command modules load on first use (so `syn --version` and `syn help` start
 * without the API client and its schemas), and the action receives its arguments and every option, the global
 * ones (--json, --org, --context) included.
 */
function run<M>(load: () => Promise<M>, pick: (m: M) => Action) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const positional = args.slice(0, -2);
    const fn = pick(await load()) as (...a: unknown[]) => Promise<void> | void;
    await fn(...positional, command.optsWithGlobals<GlobalOptions>());
  };
}

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;

const auth = () => import("./commands/auth");
const orgs = () => import("./commands/orgs");
const overview = () => import("./commands/overview");
const deploys = () => import("./commands/deploy");
const env = () => import("./commands/env");

/** The `syn` command tree: every command, its options, and help with examples. */
export function buildProgram(): Command {
  const program = new Command("syn")
    .description("Syntra from the terminal: deploy, follow logs, manage environment variables, exec into services")
    .version(VERSION, "-v, --version", "print syn's version")
    .option("--json", "machine-readable output (stable JSON on stdout)")
    .option("--org <org>", "act in this organization (slug, name or id; also SYNTRA_ORG)")
    .option("--context <name>", "use this configured control plane (also SYNTRA_CONTEXT)")
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: (text, write) => write(text) })
    .showHelpAfterError("(syn help <command> shows its options and examples)")
    .addHelpText(
      "after",
      `\nEnvironment: SYNTRA_URL and SYNTRA_TOKEN (for CI) override the stored login; NO_COLOR turns colours off.\nConfiguration: ~/.syntra/config.toml (SYNTRA_CONFIG_DIR moves it).\n\n${EXIT_CODE_HELP}\n`,
    );

  program
    .command("login")
    .description("log in to a Syntra control plane (approve a code in the dashboard, or give a token)")
    .option("--url <url>", "the control plane (default: the context's, or SYNTRA_URL)")
    .option("--token <token>", "use this API token instead of the browser approval ('-' reads it from stdin)")
    .option("--no-browser", "do not try to open the approval page")
    .addHelpText(
      "after",
      examples([
        "syn login --url https://syntra.example.com",
        "echo $SYNTRA_TOKEN | syn login --url https://syntra.example.com --token -",
        "syn login --context staging --url https://staging.example.com",
      ]),
    )
    .action(run(auth, (m) => m.login));
  program
    .command("logout")
    .description("forget (and revoke, if syn login made it) the stored token")
    .action(run(auth, (m) => m.logout));
  program
    .command("whoami")
    .description("who you are logged in as, where, in which organization")
    .action(run(auth, (m) => m.whoami));

  const orgsCmd = program.command("orgs").description("your organizations");
  orgsCmd
    .command("list", { isDefault: true })
    .description("list them (* marks the one in use)")
    .action(run(orgs, (m) => m.listOrgs));
  orgsCmd
    .command("switch")
    .argument("<org>", "slug, name or id")
    .description("act in another organization from now on")
    .addHelpText("after", examples(["syn orgs switch acme"]))
    .action(run(orgs, (m) => m.switchOrg));

  const contextCmd = program.command("context").description("configured control planes (contexts)");
  contextCmd
    .command("list", { isDefault: true })
    .description("list them (* marks the current one)")
    .action(run(orgs, (m) => m.listContexts));
  contextCmd
    .command("use")
    .argument("<name>")
    .description("make a context the current one")
    .action(run(orgs, (m) => m.useContext));
  contextCmd
    .command("remove")
    .argument("<name>")
    .description("forget a context and its token")
    .action(run(orgs, (m) => m.removeContext));

  program
    .command("status")
    .description("servers and services with their state, like the dashboard's overview")
    .action(run(overview, (m) => m.status));

  const projects = program.command("projects").description("projects");
  projects
    .command("list", { isDefault: true })
    .description("list the organization's projects")
    .action(run(overview, (m) => m.listProjects));
  projects
    .command("show")
    .argument("<project>", "slug, name or id")
    .description("a project and its services")
    .action(run(overview, (m) => m.showProject));

  const services = program.command("services").description("services");
  services
    .command("list", { isDefault: true })
    .description("list services with their latest deployment")
    .option("-p, --project <project>", "only this project's (slug, name or id)")
    .action(run(overview, (m) => m.listServices));
  services
    .command("show")
    .argument("[service]", "name, project/name or id (default: the linked one)")
    .description("a service's settings and recent deployments")
    .action(run(overview, (m) => m.showService));

  program
    .command("deploy")
    .argument("[service]", "name, project/name or id (default: the linked one)")
    .description("deploy a service and stream its build and deploy log until it runs (or fails)")
    .option("-d, --detach", "start the deployment and return at once")
    .option("--ref <ref>", "branch or commit to build (services built from git)")
    .option("--tag <tag>", "image tag to deploy (image services)")
    .addOption(
      new Option("--strategy <strategy>", "how new containers replace old ones").choices([
        "rolling",
        "blue_green",
        "instant",
      ]),
    )
    .addHelpText(
      "after",
      `${examples([
        "syn deploy web",
        "syn deploy shop/api --ref main",
        "syn deploy web --tag 1.4.2 --strategy blue_green",
        "syn deploy --detach --json",
      ])}\nExits 0 once the deployment runs; 6 when it failed, was rolled back or cancelled.\n`,
    )
    .action(run(deploys, (m) => m.deploy));

  program
    .command("rollback")
    .argument("[service]", "name, project/name or id (default: the linked one)")
    .argument("[deployment]", "the deployment to go back to (default: the one before the current that ran)")
    .description("redeploy an earlier deployment's image and settings, and follow it")
    .option("-d, --detach", "start the rollback and return at once")
    .addHelpText("after", examples(["syn rollback web", "syn rollback web 7d9e1f20-4b3c-4a5d-8e6f-0a1b2c3d4e5f"]))
    .action(run(deploys, (m) => m.rollback));

  program
    .command("logs")
    .argument("[service]", "name, project/name or id (default: the linked one)")
    .description("a service's container logs; -f follows new lines")
    .option("-f, --follow", "keep streaming new lines until Ctrl-C")
    .option("--since <when>", "only lines since a duration ago (10m, 2h, 1d) or a date")
    .addOption(
      new Option("--level <level>", "lowest level shown (stderr lines are errors)").choices([
        "debug",
        "info",
        "warn",
        "error",
      ]),
    )
    .option("--search <text>", "only lines containing the text (any case)")
    .option("-n, --tail <lines>", "lines of history first (0-1000, default 100)")
    .addHelpText(
      "after",
      examples([
        "syn logs web -f",
        "syn logs web --since 1h --level error",
        "syn logs --search timeout --json | jq .message",
      ]),
    )
    .action(
      run(
        () => import("./commands/logs"),
        (m) => m.logs,
      ),
    );

  const envCmd = program.command("env").description("a service's environment variables (secret values masked)");
  const serviceOption = () =>
    new Option("-s, --service <service>", "name, project/name or id (default: the linked one)");
  envCmd
    .command("list", { isDefault: true })
    .addOption(serviceOption())
    .option("--reveal", "show secret values (needs the env:reveal permission)")
    .description("list the variables")
    .action(run(env, (m) => m.listEnv));
  envCmd
    .command("get")
    .argument("<key>")
    .addOption(serviceOption())
    .option("--reveal", "show the value even when secret")
    .description("print one value")
    .addHelpText("after", examples(["export DATABASE_URL=$(syn env get DATABASE_URL --reveal -s api)"]))
    .action(run(env, (m) => m.getEnv));
  const flagOptions = (cmd: Command) =>
    cmd
      .addOption(serviceOption())
      .option("--secret", "mark them secret (masked in lists)")
      .option("--plain", "mark them not secret")
      .option("--build-time", "also pass them to builds as build arguments");
  flagOptions(envCmd.command("set").argument("<assignments...>", "KEY=VALUE pairs"))
    .description("set variables (others are kept; new ones are secret unless --plain)")
    .addHelpText(
      "after",
      examples(["syn env set PORT=8080 LOG_LEVEL=debug --plain -s api", "syn env set API_KEY=s3cret --secret"]),
    )
    .action(run(env, (m) => m.setEnv));
  envCmd
    .command("unset")
    .argument("<keys...>")
    .addOption(serviceOption())
    .description("delete variables")
    .action(run(env, (m) => m.unsetEnv));
  flagOptions(envCmd.command("import").argument("<file>", "a .env file ('-' for stdin)"))
    .description("set every variable of a .env file")
    .addHelpText("after", examples(["syn env import .env.production -s api"]))
    .action(run(env, (m) => m.importEnv));

  program
    .command("exec")
    .argument("<words...>", "[service] -- command [args...]")
    .usage("[options] [service] -- <command> [args...]")
    .description("run a command in a running container of a service")
    .option("-i, --interactive", "pass stdin to the command")
    .option("-t, --tty", "allocate a terminal (with -i: an interactive shell)")
    .option("-w, --workdir <dir>", "working directory in the container")
    .addHelpText(
      "after",
      `${examples([
        "syn exec web -- ls -la /app",
        "syn exec web -it -- sh",
        "syn exec -- node scripts/migrate.js   # the linked service",
      ])}\nExits with the command's exit code; 125 when syn failed before the command ran.\n`,
    )
    .action(async (words: string[], _opts: unknown, command: Command) => {
      const { exec } = await import("./commands/exec");
      await exec(words, command.optsWithGlobals());
    });

  const issues = () => import("./commands/issues");
  const issuesCmd = program.command("issues").description("errors grouped into issues");
  issuesCmd
    .command("list", { isDefault: true })
    .argument("[service]", "name, project/name or id (default: the linked one; none: every project)")
    .option("-p, --project <project>", "only this project's (slug, name or id)")
    .addOption(
      new Option("--status <status>", "issues in this state (default unresolved, regressions included)").choices([
        "unresolved",
        "resolved",
        "ignored",
        "regressed",
      ]),
    )
    .option("--search <text>", "in titles, types and culprits")
    .option("-n, --limit <n>", "at most this many (1-100, default 25)")
    .description("list issues, last seen first")
    .addHelpText("after", examples(["syn issues web", "syn issues --project shop --status resolved --json"]))
    .action(run(issues, (m) => m.listIssues));
  issuesCmd
    .command("show")
    .argument("<issue>", "issue id")
    .description("an issue in detail")
    .action(run(issues, (m) => m.showIssue));
  for (const [name, status, what] of [
    ["resolve", "resolved", "mark issues resolved (they come back as regressed if they recur)"],
    ["ignore", "ignored", "ignore issues"],
    ["reopen", "unresolved", "reopen issues"],
  ] as const) {
    issuesCmd
      .command(name)
      .argument("<issues...>", "issue ids")
      .description(what)
      .action(async (ids: string[], _opts: unknown, command: Command) => {
        const { setIssueStatus } = await issues();
        await setIssueStatus(status, ids, command.optsWithGlobals());
      });
  }

  program
    .command("open")
    .argument("[service]", "name, project/name or id (default: the linked one; none: the dashboard)")
    .description("open a service's URL (or its dashboard page) in the browser")
    .option("--dashboard", "the service's page in the dashboard rather than its own URL")
    .option("--print", "print the URL instead of opening it")
    .action(
      run(
        () => import("./commands/open"),
        (m) => m.open,
      ),
    );

  program
    .command("link")
    .argument("[service]", "name, project/name or id (none: show the current link)")
    .description("link this directory to a service, so deploy, logs, env and exec need no service here")
    .action(
      run(
        () => import("./commands/link"),
        (m) => m.link,
      ),
    );
  program
    .command("unlink")
    .description("remove this directory's link")
    .action(
      run(
        () => import("./commands/link"),
        (m) => m.unlink,
      ),
    );

  program
    .command("completion")
    .argument("<shell>", "bash, zsh or fish")
    .description("print the shell completion script")
    .addHelpText(
      "after",
      examples([
        "source <(syn completion bash)            # in ~/.bashrc",
        "source <(syn completion zsh)             # in ~/.zshrc",
        "syn completion fish > ~/.config/fish/completions/syn.fish",
      ]),
    )
    .action(async (shell: string) => {
      const { printCompletion } = await import("./commands/completion");
      printCompletion(program, shell);
    });

  program
    .command("__complete", { hidden: true })
    .argument("<what>")
    .action(
      run(
        () => import("./commands/completion"),
        (m) => m.completeWords,
      ),
    );

  return program;
}
