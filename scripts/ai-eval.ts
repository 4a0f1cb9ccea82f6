// The AI evaluation set through the configured provider (on demand, not CI: it spends tokens). Uses the control
// plane's own configuration: e.g. `ANTHROPIC_API_KEY=... node --import tsx scripts/ai-eval.ts`, or
// `SYNTRA_AI_PROVIDER=openai OPENAI_BASE_URL=http://localhost:11434/v1 SYNTRA_AI_MODEL=llama3.1 node --import tsx scripts/ai-eval.ts`.
// Prints, per incident, whether the root cause named matches the expected one, then the match rate.
import { INCIDENTS } from "../apps/server/src/ai/eval/incidents";
import { createAiProvider } from "../apps/server/src/ai/providers/select";
import { loadConfig } from "../apps/server/src/config";

const config = loadConfig();
const provider = createAiProvider(config.ai);
console.log(`provider ${provider.name}, model ${provider.model}, ${INCIDENTS.length} incidents`);
let matched = 0;
let failed = 0;
let tokens = 0;
for (const incident of INCIDENTS) {
  const started = performance.now();
  try {
    const result = await provider.analyzeError(incident.context);
    const ok = incident.expectedCause.test(result.answer.root_cause);
    matched += ok ? 1 : 0;
    tokens += result.usage.inputTokens + result.usage.outputTokens;
    const ms = Math.round(performance.now() - started);
    console.log(
      `${ok ? "match" : "MISS "} ${incident.name} | ${result.answer.severity} conf ${result.answer.confidence} | ${ms} ms | ${result.answer.root_cause.slice(0, 140)}`,
    );
  } catch (err) {
    failed += 1;
    console.log(
      `ERROR ${incident.name}: ${err instanceof Error ? `${(err as { code?: string }).code ?? ""} ${err.message}` : String(err)}`,
    );
  }
}
const rate = Math.round((100 * matched) / INCIDENTS.length);
console.log(`root cause matches: ${matched}/${INCIDENTS.length} (${rate}%), errors ${failed}, tokens ${tokens}`);
