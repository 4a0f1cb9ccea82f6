import assert from "node:assert/strict";
import { test } from "node:test";
import { messageTypes } from "../ws/envelope";
import { telemetryJsonSchemas, websocketJsonSchemas } from "./json-schemas";

interface GeneratedSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  properties?: { type?: { const?: string; enum?: string[] } };
}

test("one websocket schema per message type, with $id, title and the type's literal", () => {
  const schemas = websocketJsonSchemas() as Record<string, GeneratedSchema>;
  assert.equal(Object.keys(schemas).length, messageTypes.length);
  for (const type of messageTypes) {
    const fileName = `${type.replaceAll("_", "-")}.schema.json`;
    const schema = schemas[fileName];
    assert.ok(schema, fileName);
    assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert.equal(schema.$id, `https://syntra.dev/contracts/websocket/${fileName}`);
    assert.ok(schema.title?.includes(type));
    assert.equal(schema.properties?.type?.const ?? schema.properties?.type?.enum?.[0], type);
  }
});

test("the telemetry schemas cover every telemetry document", () => {
  const schemas = telemetryJsonSchemas() as Record<string, GeneratedSchema>;
  assert.deepEqual(Object.keys(schemas), [
    "error-event.schema.json",
    "health-check-result.schema.json",
    "log-entry.schema.json",
    "metric-point.schema.json",
    "otlp-extensions.schema.json",
    "telemetry-batch-binary.schema.json",
    "telemetry-batch.schema.json",
    "telemetry-data.schema.json",
    "trace-span.schema.json",
  ]);
  for (const [fileName, schema] of Object.entries(schemas)) {
    assert.equal(schema.$id, `https://syntra.dev/contracts/telemetry/${fileName}`);
    assert.ok(schema.title);
  }
});

test("generation is deterministic", () => {
  assert.equal(JSON.stringify(websocketJsonSchemas()), JSON.stringify(websocketJsonSchemas()));
  assert.equal(JSON.stringify(telemetryJsonSchemas()), JSON.stringify(telemetryJsonSchemas()));
});

test("defaults do not make fields required on the wire", () => {
  const helloAck = websocketJsonSchemas()["hello-ack.schema.json"] as {
    properties: { payload: { oneOf: { properties: { config?: { required?: string[] } } }[] } };
  };
  const config = helloAck.properties.payload.oneOf[0]?.properties.config;
  assert.ok(config);
  assert.equal(config.required, undefined);
});
