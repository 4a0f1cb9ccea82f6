import assert from "node:assert/strict";
import { test } from "node:test";
import { describeSmtpError } from "./transport";

test("an SMTP failure is described for the log without the password, in any of its encodings", () => {
  const password = "s3cret:pa$$";
  const err = Object.assign(
    new Error(
      `Invalid login: 535 rejected ${password} ${Buffer.from(password).toString("base64")} ${encodeURIComponent(password)}`,
    ),
    { code: "EAUTH", responseCode: 535, command: `AUTH PLAIN ${Buffer.from(`\0u\0${password}`).toString("base64")}` },
  );
  const described = describeSmtpError(err, password);
  assert.equal(described.code, "EAUTH");
  assert.equal(described.response_code, 535);
  assert.equal(described.command, "AUTH", "only the verb of the command");
  assert.equal(described.reason, "Invalid login: 535 rejected [redacted] [redacted] [redacted]");
});
