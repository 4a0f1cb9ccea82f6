import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, loadConfig } from "../config";

test("SYNTRA_SMTP_URL: smtp:// defaults to port 587 (STARTTLS when offered), smtps:// to 465; credentials decoded", () => {
  assert.deepEqual(loadConfig({ SYNTRA_SMTP_URL: "smtp://mailer%40acme.com:p%40ss%3Aword@mail.acme.com" }).mail.smtp, {
    host: "mail.acme.com",
    port: 587,
    secure: false,
    user: "mailer@acme.com",
    password: "p@ss:word",
  });
  assert.deepEqual(loadConfig({ SYNTRA_SMTP_URL: "smtps://u:p@[::1]" }).mail.smtp, {
    host: "::1",
    port: 465,
    secure: true,
    user: "u",
    password: "p",
  });
  const open = loadConfig({ SYNTRA_SMTP_URL: "smtp://relay.internal:25" }).mail.smtp;
  assert.equal(open?.user, undefined, "a relay without AUTH");
  assert.equal(loadConfig({}).mail.smtp, undefined, "unset: no mail");
});

test("SYNTRA_MAIL_FROM defaults to Syntra at the public URL's host", () => {
  assert.equal(
    loadConfig({ SYNTRA_PUBLIC_URL: "https://deploy.acme.com/" }).mail.from,
    "Syntra <syntra@deploy.acme.com>",
  );
  assert.equal(loadConfig({}).mail.from, "Syntra <syntra@127.0.0.1>");
  assert.equal(loadConfig({ SYNTRA_MAIL_FROM: "Acme Ops <ops@acme.com>" }).mail.from, "Acme Ops <ops@acme.com>");
  assert.equal(loadConfig({ SYNTRA_MAIL_FROM: "ops@acme.com" }).mail.from, "ops@acme.com");
});

test("bad mail settings stop start-up naming the variable, never repeating the password", () => {
  for (const bad of ["http://u:hunter2-secret@mail.acme.com", "smtp://u:hunter2-secret@", "not a url hunter2-secret"]) {
    assert.throws(
      () => loadConfig({ SYNTRA_SMTP_URL: bad }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.message, /SYNTRA_SMTP_URL/);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      },
      bad,
    );
  }
  assert.throws(() => loadConfig({ SYNTRA_SMTP_URL: "smtp://u:%E0%A4%A@mail.acme.com" }), /SYNTRA_SMTP_URL/);
  for (const bad of ["not an address", "Syntra <no-at-sign>", "a@b.c\r\nBcc: x@y.z"]) {
    assert.throws(() => loadConfig({ SYNTRA_MAIL_FROM: bad }), /SYNTRA_MAIL_FROM/, bad);
  }
});
