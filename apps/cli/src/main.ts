import type { ApiError } from "@syntra/api-client";
import { CommanderError } from "commander";
import { CliError, EXIT, exitCodeOfApiError } from "./exit-codes";
import { buildProgram } from "./program";
import { colorsFor, painter } from "./style";

// By name, not instanceof: importing the client here would load every schema before `syn --version` answers.
const isApiError = (err: unknown): err is ApiError => err instanceof Error && err.name === "ApiError";

/** An error as the person (or, with --json, the script) reads it on stderr, with the request id to quote. */
function report(err: unknown, json: boolean): number {
  const paint = painter(!json && colorsFor(process.stderr));
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  let code: number;
  let body: Record<string, unknown>;
  let hint: string | undefined;
  if (err instanceof CliError) {
    code = err.exitCode;
    body = { message: err.message };
    hint = err.hint;
  } else if (isApiError(err)) {
    code = exitCodeOfApiError(err);
    body = { code: err.code, message: err.message, status: err.status, request_id: err.requestId ?? null };
    const issues = err.fieldIssues.map((i) => `${i.path}: ${i.message}`);
    if (issues.length > 1) body.details = issues;
    if (err.code === "UNAUTHORIZED") hint = "Run syn login (or check SYNTRA_TOKEN)";
    if (err.code === "NETWORK_ERROR") hint = "Check the URL (syn context list shows it, SYNTRA_URL overrides it)";
  } else {
    code = EXIT.error;
    body = { message: err instanceof Error ? err.message : String(err) };
  }
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { ...body, exit_code: code } })}\n`);
  } else {
    const requestId = typeof body.request_id === "string" ? paint.dim(` (request ${body.request_id})`) : "";
    process.stderr.write(`${paint.red("Error:")} ${String(body.message)}${requestId}\n`);
    for (const detail of (body.details as string[] | undefined) ?? []) process.stderr.write(`  ${detail}\n`);
    if (hint) process.stderr.write(`${paint.dim(hint)}\n`);
  }
  return code;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  const json = argv.includes("--json");
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err, json);
  }
}

void main(process.argv);
