import { aiAnalysisAnswer } from "@syntra/contracts";
import { AppError } from "../../errors";
import { errorAnalysisRequest } from "../prompt";
import type { AiProvider, ChatModel } from "./types";

/** An AiProvider answering with a chat model: the prompts are here, the wire format in the ChatModel. */
export function chatProvider(model: ChatModel, maxOutputTokens: number): AiProvider {
  return {
    name: model.provider,
    model: model.model,
    offline: false,
    async analyzeError(context, signal) {
      const answer = await model.structured(errorAnalysisRequest(context, maxOutputTokens), signal);
      const parsed = aiAnalysisAnswer.safeParse(answer.input);
      if (!parsed.success) {
        const where = parsed.error.issues.map((i) => i.path.join(".") || "(answer)").slice(0, 5);
        throw new AppError(
          "AI_INVALID_ANSWER",
          `The model's analysis does not have the asked structure (${where.join(", ")})`,
        );
      }
      return { answer: parsed.data, provider: model.provider, model: answer.model, usage: answer.usage };
    },
  };
}
