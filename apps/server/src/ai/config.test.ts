import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, loadConfig } from "../config";

const base = { SYNTRA_DATA_DIR: "/tmp/syntra-ai-config" };

test("the provider defaults from the keys set: Anthropic with ANTHROPIC_API_KEY, else OpenAI-compatible, else offline", () => {
  assert.deepEqual(loadConfig(base).ai.provider, { kind: "offline" });
  assert.equal(loadConfig(base).ai.enabled, true);
  assert.deepEqual(loadConfig({ ...base, ANTHROPIC_API_KEY: "sk-ant-x" }).ai.provider, {
    kind: "anthropic",
    apiKey: "sk-ant-x",
    baseUrl: "https://api.anthropic.com",
    model: "claude-sonnet-5",
    stream: true,
  });
  const unstreamed = loadConfig({ ...base, ANTHROPIC_API_KEY: "sk-ant-x", ANTHROPIC_STREAM: "off" }).ai.provider;
  assert.equal(unstreamed.kind === "anthropic" && unstreamed.stream, false, "a gateway without SSE: streaming off");
  const local = loadConfig({ ...base, OPENAI_BASE_URL: "http://localhost:11434/v1/", SYNTRA_AI_MODEL: "llama3.1" });
  assert.deepEqual(local.ai.provider, {
    kind: "openai",
    baseUrl: "http://localhost:11434/v1",
    apiKey: undefined,
    model: "llama3.1",
  });
  const forced = loadConfig({ ...base, ANTHROPIC_API_KEY: "sk-ant-x", SYNTRA_AI_PROVIDER: "offline" });
  assert.deepEqual(forced.ai.provider, { kind: "offline" });
  const gateway = loadConfig({
    ...base,
    ANTHROPIC_API_KEY: "k",
    ANTHROPIC_BASE_URL: "http://127.0.0.1:9/",
    SYNTRA_AI_TIMEOUT_SECONDS: "5",
  });
  assert.equal(gateway.ai.provider.kind === "anthropic" && gateway.ai.provider.baseUrl, "http://127.0.0.1:9");
  assert.equal(gateway.ai.timeoutMs, 5000);
});

test("SYNTRA_AI=off turns everything off whatever the provider", () => {
  assert.equal(loadConfig({ ...base, SYNTRA_AI: "off", ANTHROPIC_API_KEY: "k" }).ai.enabled, false);
  assert.equal(loadConfig({ ...base, SYNTRA_AI: "on" }).ai.enabled, true);
});

test("a provider without what it needs is a configuration error naming the variable", () => {
  assert.throws(
    () => loadConfig({ ...base, SYNTRA_AI_PROVIDER: "anthropic" }),
    (e: unknown) => e instanceof ConfigError && /ANTHROPIC_API_KEY/.test(e.message),
  );
  assert.throws(() => loadConfig({ ...base, SYNTRA_AI_PROVIDER: "openai" }), /OPENAI_BASE_URL/);
  assert.throws(() => loadConfig({ ...base, OPENAI_BASE_URL: "http://x/v1" }), /SYNTRA_AI_MODEL/);
  assert.throws(() => loadConfig({ ...base, SYNTRA_AI: "maybe" }), /SYNTRA_AI/);
  assert.throws(() => loadConfig({ ...base, SYNTRA_AI_PROVIDER: "gpt" }), /SYNTRA_AI_PROVIDER/);
  const err = (() => {
    try {
      loadConfig({ ...base, ANTHROPIC_API_KEY: "sk-ant-secret-value", SYNTRA_AI_TIMEOUT_SECONDS: "0" });
    } catch (e) {
      return e as Error;
    }
    return null;
  })();
  assert.ok(err && !err.message.includes("sk-ant-secret-value"), "the key is never in a configuration error");
});
