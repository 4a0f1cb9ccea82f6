import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { AcmeEventLog, AcmeOutcomes, classifyAcmeProblem } from "./caddy-acme-log";

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata", "caddy");

/**
 * Lines Caddy 2.6.2 (Debian) wrote with Syntra's log config while obtaining certificates from Debian's pebble
 * 2.4: acme-events-pebble.jsonl has ok / closed (DNS -> 127.0.0.3, nothing listens) / moved (DNS -> 127.0.0.2,
 * a web server answering 404) in one attempt each; acme-events-pebble-2.jsonl has closed.test over several
 * attempts, TLS-ALPN tried first, with config reloads cancelling some, and a wildcard ACME cannot prove.
 */
async function capture(name: string): Promise<string[]> {
  return (await readFile(path.join(testdata, name), "utf8")).split("\n").filter(Boolean);
}

function fold(lines: string[]): AcmeOutcomes {
  const outcomes = new AcmeOutcomes();
  for (const line of lines) outcomes.add(line);
  return outcomes;
}

describe("classifyAcmeProblem", () => {
  test("maps RFC 8555 problem types to what the user can act on", () => {
    const table: [string, string][] = [
      ["urn:ietf:params:acme:error:rateLimited", "rate_limited"],
      ["urn:ietf:params:acme:error:dns", "dns_not_pointing_here"],
      ["urn:ietf:params:acme:error:connection", "port_80_unreachable"],
      ["urn:ietf:params:acme:error:unauthorized", "challenge_failed"],
      ["urn:ietf:params:acme:error:incorrectResponse", "challenge_failed"],
      ["urn:ietf:params:acme:error:caa", "challenge_failed"],
      ["connection", "port_80_unreachable"],
      ["", "unknown"],
    ];
    for (const [type, code] of table) assert.equal(classifyAcmeProblem(type), code, type);
  });
});

describe("AcmeOutcomes over real Caddy + pebble logs", () => {
  test("a refused connection is port_80_unreachable, a 404 from another server challenge_failed, with pebble's words", async () => {
    const failures = fold(await capture("acme-events-pebble.jsonl")).failures();
    assert.deepEqual([...failures.keys()].sort(), ["closed.example.test", "moved.example.test"]);
    const closed = failures.get("closed.example.test");
    assert.equal(closed?.code, "port_80_unreachable");
    assert.match(
      closed?.message ?? "",
      /^Get "http:\/\/closed\.example\.test:\d+\/\.well-known\/acme-challenge\/.*connection refused$/,
    );
    const moved = failures.get("moved.example.test");
    assert.equal(moved?.code, "challenge_failed");
    assert.match(moved?.message ?? "", /^Non-200 status code from HTTP: .* returned 404$/);
  });

  test("the connection problem wins whichever challenge failed last; cancelled attempts change nothing", async () => {
    const lines = await capture("acme-events-pebble-2.jsonl");
    const cancelled = lines.findIndex((l) => l.includes('"[closed.test] context canceled'));
    assert.ok(cancelled > 0, "the capture has a cancelled attempt");
    const before = fold(lines.slice(0, cancelled)).failures().get("closed.test");
    assert.equal(before?.code, "port_80_unreachable");
    assert.deepEqual(
      fold(lines.slice(0, cancelled + 1))
        .failures()
        .get("closed.test"),
      before,
    );

    const failures = fold(lines).failures();
    assert.equal(failures.get("closed.test")?.code, "port_80_unreachable");
    assert.match(failures.get("closed.test")?.message ?? "", /dial tcp 127\.0\.0\.3:\d+: connect: connection refused/);
    // No problem document: the error text itself, code unknown.
    assert.equal(failures.get("*.zone.test")?.code, "unknown");
    assert.match(failures.get("*.zone.test")?.message ?? "", /no solvers available for remaining challenges/);
  });

  test("a later success clears the failure", async () => {
    const lines = await capture("acme-events-pebble.jsonl");
    const success = lines.filter(
      (l) => l.includes('"identifier":"ok.example.test"') && /obtaining certificate|obtained successfully/.test(l),
    );
    assert.equal(success.length, 2);
    const outcomes = fold(lines);
    for (const line of success) outcomes.add(line.replaceAll("ok.example.test", "closed.example.test"));
    assert.deepEqual([...outcomes.failures().keys()], ["moved.example.test"]);
  });

  test("Let's Encrypt's rate limit and DNS problems (pebble raises neither) keep their code and detail", () => {
    // Caddy's lines from the capture above with the problems Let's Encrypt documents in their place.
    const ca = "https://acme-v02.api.letsencrypt.org/directory";
    const rateLimited = {
      level: "error",
      ts: 1795412418.8156915,
      logger: "tls.obtain",
      msg: "could not get certificate from issuer",
      identifier: "shop.example.com",
      issuer: "acme-v02.api.letsencrypt.org-directory",
      error:
        "[shop.example.com] creating new order: attempt 1: https://acme-v02.api.letsencrypt.org/acme/new-order: " +
        "HTTP 429 urn:ietf:params:acme:error:rateLimited - Error creating new order :: too many certificates (5) " +
        "already issued for this exact set of identifiers in the last 168h0m0s, retry after 2026-11-24 10:00:00 UTC: " +
        `see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-hostnames (ca=${ca})`,
    };
    const dnsChallenge = {
      level: "error",
      ts: 1795412416.5536563,
      logger: "http.acme_client",
      msg: "challenge failed",
      identifier: "api.example.com",
      challenge_type: "http-01",
      status_code: 400,
      problem_type: "urn:ietf:params:acme:error:dns",
      error: "DNS problem: NXDOMAIN looking up A for api.example.com - check that a DNS record exists for this domain",
    };
    const outcomes = new AcmeOutcomes();
    outcomes.add(JSON.stringify({ logger: "tls.obtain", msg: "obtaining certificate", identifier: "api.example.com" }));
    outcomes.add(JSON.stringify(dnsChallenge));
    outcomes.add(
      JSON.stringify({
        ...rateLimited,
        identifier: "api.example.com",
        error: `[api.example.com] solving challenges: api.example.com: no solvers available (ca=${ca})`,
      }),
    );
    outcomes.add(JSON.stringify(rateLimited));
    const failures = outcomes.failures();
    assert.deepEqual(failures.get("api.example.com"), { code: "dns_not_pointing_here", message: dnsChallenge.error });
    assert.equal(failures.get("shop.example.com")?.code, "rate_limited");
    assert.match(
      failures.get("shop.example.com")?.message ?? "",
      /^Error creating new order :: too many certificates.*rate-limits.*hostnames$/,
    );
  });

  test("lines that are not Caddy's JSON are ignored", () => {
    const outcomes = fold(["", "not json", "{}", '{"msg":"could not get certificate from issuer"}', "[1,2]"]);
    assert.equal(outcomes.failures().size, 0);
  });
});

describe("AcmeEventLog", () => {
  test("reads what Caddy appended since the last call, across a half-written line and a rolled file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "syntra-acme-log-"));
    try {
      const file = path.join(dir, "acme-events.log");
      const lines = await capture("acme-events-pebble.jsonl");
      const log = new AcmeEventLog(file);
      assert.equal((await log.failures()).size, 0, "no file yet");

      const text = `${lines.join("\n")}\n`;
      const cut = text.indexOf('closed.example.test","issuer"');
      await writeFile(file, text.slice(0, cut));
      assert.equal((await log.failures()).has("closed.example.test"), false, "its last line is not complete yet");
      await appendFile(file, text.slice(cut));
      assert.equal((await log.failures()).get("closed.example.test")?.code, "port_80_unreachable");

      // Rolled: a new, shorter file; a success there clears the failure.
      const ok = lines.filter((l) => l.includes('"identifier":"ok.example.test"'));
      await writeFile(file, `${ok.map((l) => l.replaceAll("ok.example.test", "closed.example.test")).join("\n")}\n`);
      assert.equal((await log.failures()).has("closed.example.test"), false);
      assert.equal((await log.failures()).has("moved.example.test"), true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
