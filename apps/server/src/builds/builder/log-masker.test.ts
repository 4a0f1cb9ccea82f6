import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LogMasker } from "./log-masker";

function masked(secrets: string[], chunks: string[]): string[] {
  const lines: string[] = [];
  const masker = new LogMasker(secrets, (line) => lines.push(line));
  for (const chunk of chunks) masker.write(chunk);
  masker.end();
  return lines;
}

describe("LogMasker", () => {
  const secret = "s3cr3t-Value_42";

  it("masks a value in whole lines and emits line by line", () => {
    assert.deepEqual(masked([secret], [`token=${secret} ok\nnext line\n`]), ["token=*** ok", "next line"]);
  });

  it("masks a value split across chunks at every position", () => {
    const text = `before ${secret} after\n`;
    for (let cut = 1; cut < text.length; cut++) {
      assert.deepEqual(masked([secret], [text.slice(0, cut), text.slice(cut)]), ["before *** after"], `cut at ${cut}`);
    }
  });

  it("masks the value one character per chunk", () => {
    assert.deepEqual(masked([secret], [...`x${secret}y\n`]), ["x***y"]);
  });

  it("masks base64 (alone and inside a Basic credential), base64url and URL-encoded forms", () => {
    const weird = "p@ss/word+?=&more";
    const basic = Buffer.from(`x-access-token:${weird}`).toString("base64");
    const [a, b, c, d] = masked(
      [weird],
      [
        `plain ${Buffer.from(weird).toString("base64")}\n`,
        `Authorization: Basic ${basic}\n`,
        `url ${Buffer.from(weird).toString("base64url")}\n`,
        `query=${encodeURIComponent(weird)}\n`,
      ],
    );
    assert.equal(a, "plain ***");
    assert.ok(!(b ?? "").includes(basic) && (b ?? "").includes("***"), b);
    // What is left of the Basic credential no longer decodes to the password.
    assert.ok(
      !Buffer.from((b ?? "").replace("Authorization: Basic ", ""), "base64")
        .toString()
        .includes(weird),
    );
    assert.equal(c, "url ***");
    assert.equal(d, "query=***");
  });

  it("masks each line of a multi-line value such as a PEM key", () => {
    const pem = "-----BEGIN KEY-----\nAAAABBBBCCCCDDDD\nEEEEFFFFGGGGHHHH\n-----END KEY-----";
    const lines = masked([pem], [`key:\n${pem}\ndone\n`]);
    assert.ok(!lines.join("\n").includes("AAAABBBBCCCCDDDD"));
    assert.ok(!lines.join("\n").includes("EEEEFFFFGGGGHHHH"));
    assert.equal(lines.at(-1), "done");
  });

  it("prefers the longer of two overlapping secrets and ignores values too short to be secrets", () => {
    assert.deepEqual(masked(["abcd", "abcdefgh", "ab"], ["abcdefgh abcd ab\n"]), ["*** *** ab"]);
  });

  it("emits an unterminated last line on end and treats CR as a line break", () => {
    assert.deepEqual(masked([secret], ["progress 1\rprogress 2\r\nlast ", secret]), [
      "progress 1",
      "progress 2",
      "last ***",
    ]);
  });

  it("lets a very long line out in pieces without leaking a secret across the cut", () => {
    const long = "x".repeat(70 * 1024);
    const lines = masked([secret], [long, secret.slice(0, 5), secret.slice(5), "\n"]);
    assert.ok(!lines.join("").includes(secret));
    assert.ok(lines.join("").endsWith("***"));
  });
});
