import { aiAnalysisAnswer, aiDockerfileAnswer, aiIncidentSummaryAnswer } from "@syntra/contracts";
import type { z } from "zod";
import { AppError } from "../../errors";
import { chatRequest } from "../chat-prompt";
import { dockerfileRequest } from "../dockerfile/prompt";
import { incidentSummaryRequest } from "../incident-prompt";
import { errorAnalysisRequest } from "../prompt";
import type { AiProvider, ChatModel, ProviderAnswer, StructuredRequest } from "./types";

/** An AiProvider answering with a chat model: the prompts are here, the wire format in the ChatModel. */
export function chatProvider(model: ChatModel, maxOutputTokens: number): AiProvider {
  /** One structured request, its answer validated with the schema the tool's JSON Schema came from. */
  async function ask<S extends z.ZodType>(
    request: StructuredRequest,
    schema: S,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<ProviderAnswer<z.infer<S>>> {
    const answer = await model.structured(request, signal);
    const parsed = schema.safeParse(answer.input);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.join(".") || "(answer)").slice(0, 5);
      throw new AppError(
        "AI_INVALID_ANSWER",
        `The model's ${what} does not have the asked structure (${where.join(", ")})`,
      );
    }
    return { answer: parsed.data, provider: model.provider, model: answer.model, usage: answer.usage };
  }
  return {
    name: model.provider,
    model: model.model,
    offline: false,
    analyzeError: (context, signal) =>
      ask(errorAnalysisRequest(context, maxOutputTokens), aiAnalysisAnswer, "analysis", signal),
    summarizeIncident: (context, signal) =>
      ask(incidentSummaryRequest(context, maxOutputTokens), aiIncidentSummaryAnswer, "incident summary", signal),
    async chat(question, onText, signal) {
      const answer = await model.text(chatRequest(question, maxOutputTokens), onText, signal);
      return { answer: answer.text, provider: model.provider, model: answer.model, usage: answer.usage };
    },
    generateDockerfile: (context, signal) =>
      ask(dockerfileRequest(context, maxOutputTokens), aiDockerfileAnswer, "Dockerfile", signal),
  };
}
