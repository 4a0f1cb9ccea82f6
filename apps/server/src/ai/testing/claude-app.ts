import { createTestApp, type TestApp } from "../../testing/harness";
import { ANALYSIS_TOOL } from "../prompt";
import { MODEL_ANSWER } from "./analysis-fixtures";
import { anthropicToolUse } from "./anthropic-stand-in";
import { type StandInServer, startStandInServer } from "./stand-in-server";

/**
 * A control plane whose AI provider is Anthropic, pointed at a local stand-in of the Messages API that answers
 * every request with MODEL_ANSWER (tests change `claude.reply`); open sign-up; `env` adds or overrides variables.
 */
export async function appWithClaude(
  apiKey: string,
  env: Record<string, string> = {},
): Promise<{ claude: StandInServer; t: TestApp }> {
  const claude = await startStandInServer(() => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER));
  const t = await createTestApp({
    ANTHROPIC_API_KEY: apiKey,
    ANTHROPIC_BASE_URL: claude.url,
    SYNTRA_OPEN_SIGNUP: "true",
    ...env,
  });
  return { claude, t };
}
