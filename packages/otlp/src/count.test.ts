import assert from "node:assert/strict";
import { test } from "node:test";
import { countOtlpItems } from "./count";
import { encodeOtlp } from "./decode";
import { OtlpInputError } from "./errors";

const is400 = (err: unknown) => err instanceof OtlpInputError && err.status === 400;

test("items are counted through unknown fields of every wire type; broken framing is 400", () => {
  const spans = encodeOtlp("traces", {
    resourceSpans: [
      { scopeSpans: [{ spans: [{ name: "a" }, { name: "b" }] }, { spans: [{ name: "c" }] }] },
      { scopeSpans: [{ spans: [{ name: "d" }] }] },
    ],
  } as never);
  assert.equal(countOtlpItems("traces", spans), 4);
  // Unknown fields before the first ResourceSpans: varint (a 10-byte one), fixed64, length-delimited, a group
  // holding a varint, fixed32. A newer sender's fields are skipped, not miscounted.
  const unknown = Buffer.concat([
    Buffer.from([0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // field 15, varint
    Buffer.from([0x81, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]), // field 16, fixed64
    Buffer.from([0x8a, 0x01, 0x02, 0xaa, 0xbb]), // field 17, bytes
    Buffer.from([0x93, 0x01, 0x08, 0x01, 0x94, 0x01]), // field 18, a group holding field 1 (varint)
    Buffer.from([0x9d, 0x01, 1, 2, 3, 4]), // field 19, fixed32
  ]);
  assert.equal(countOtlpItems("traces", Buffer.concat([unknown, spans])), 4);
  for (const cut of [1, 5, spans.length - 1]) {
    assert.throws(() => countOtlpItems("traces", spans.subarray(0, cut)), is400, `cut at ${cut}`);
  }
  assert.throws(() => countOtlpItems("traces", Buffer.from([0x0e])), is400); // wire type 6 does not exist
  assert.throws(() => countOtlpItems("traces", Buffer.from([0x0a, 0x80, 0x80])), is400); // varint runs past the end
  const metrics = encodeOtlp("metrics", {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              { name: "g", gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] } },
              { name: "h", histogram: { dataPoints: [{ count: 1 }] } },
            ],
          },
        ],
      },
    ],
  } as never);
  assert.equal(countOtlpItems("metrics", metrics), 3);
});
