import assert from "node:assert/strict";
import { BuildError } from "../errors";

/** Awaits a promise that must reject with a BuildError of this code (and message pattern); returns the error. */
export async function rejectsWithBuildError(
  promise: Promise<unknown>,
  code: string,
  pattern?: RegExp,
): Promise<BuildError> {
  const err = await promise.then(
    () => assert.fail(`expected a BuildError ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BuildError, String(err));
  assert.equal(err.code, code, err.message);
  if (pattern) assert.match(err.message, pattern);
  return err;
}
