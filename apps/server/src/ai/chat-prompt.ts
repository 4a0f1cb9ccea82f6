import type { ChatQuestion } from "./chat-context";
import { fenced, newFence, untrustedDataRules } from "./fenced-request";
import type { TextRequest } from "./providers/types";

/**
 * The chat request: fixed instructions; the member's question (their own words, outside the fence) and the data
 * it is about as JSON inside a nonce fence, so text from the application cannot pose as instructions. The data
 * must already be redacted.
 */
export function chatRequest(question: ChatQuestion, maxTokens: number, fence = newFence()): TextRequest {
  const system = [
    "You are the assistant of Syntra, a self-hosted deployment, error tracking and telemetry platform.",
    "A member of an organization asks about their services, projects or an issue; the data Syntra has about what",
    "they named comes with the question (an issue with its stack, deployments, commits, trace and metrics; a",
    "service's latest deployments and open issues; a project's services). Any of it may be missing.",
    ...untrustedDataRules(fence, "The data"),
    "Answer the question from the data: short, concrete, in plain text (no headings), naming the code, commit,",
    "deployment or setting concerned; say so when the data does not tell.",
  ].join("\n");
  const user = [`Question: ${question.message}`, fenced(fence, question.data)].join("\n");
  return { system, user, maxTokens };
}
