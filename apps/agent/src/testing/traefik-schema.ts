import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import YAML from "yaml";

const schemaFile = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "../proxy/testdata/traefik-v3-file-provider.schema.json",
);

// The schema declares draft-07, Ajv's default draft. It uses no `format`, so ajv-formats is not needed; strict
// mode stays on except for type inference across `oneOf` branches, which this published schema relies on.
const ajv = new Ajv({ allErrors: true, strictTypes: false });
const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));

/** The schema errors of a Traefik dynamic configuration file (YAML text), empty when it is valid. */
export function traefikSchemaErrors(yamlText: string): string[] {
  if (validate(YAML.parse(yamlText))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}
