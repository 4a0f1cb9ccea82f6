import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { tempDirUntilExit } from "@syntra/testing/temp-dir";
import { freshDatabase } from "../../testing/telemetry-store";
import { openChdbDriver, settingsClause, sqlString } from "./chdb-driver";
import { openClickHouseDriver } from "./clickhouse-driver";
import type { ClickHouseDriver } from "./driver";
import { isoToEpoch, nanosToEpoch, RowBinaryError, RowBinaryWriter } from "./row-binary";

test("ISO timestamps keep every fraction digit to the nanosecond, with Z or an offset", () => {
  assert.deepEqual(isoToEpoch("2026-12-05T06:00:00Z"), { ms: Date.UTC(2026, 11, 5, 6), nanos: 0 });
  assert.deepEqual(isoToEpoch("2026-12-05T06:00:00.123456789Z"), { ms: Date.UTC(2026, 11, 5, 6) + 123, nanos: 456789 });
  assert.deepEqual(isoToEpoch("2026-12-05T06:00:00.5Z"), { ms: Date.UTC(2026, 11, 5, 6) + 500, nanos: 0 });
  assert.deepEqual(isoToEpoch("2026-12-05T08:00:00.000001+02:00"), { ms: Date.UTC(2026, 11, 5, 6), nanos: 1000 });
  // Digits beyond the nanosecond are cut, not rounded into the next one.
  assert.deepEqual(isoToEpoch("2026-12-05T06:00:00.9999999999Z"), {
    ms: Date.UTC(2026, 11, 5, 6) + 999,
    nanos: 999999,
  });
  assert.throws(() => isoToEpoch("yesterday"), RowBinaryError);
});

test("nanoseconds as a double are rounded to whole microseconds", () => {
  const ms = Date.UTC(2026, 11, 5, 6);
  assert.deepEqual(nanosToEpoch(ms * 1e6 + 123_456_000), { ms: ms + 123, nanos: 456_000 });
  assert.deepEqual(nanosToEpoch(0), { ms: 0, nanos: 0 });
});

test("malformed UUIDs are refused before anything is written", () => {
  const w = new RowBinaryWriter();
  for (const bad of ["not-a-uuid", "0011223344556677-8899-aabbccddeeff0", "00112233-4455-6677-8899-aabbccddeefg", ""]) {
    assert.throws(() => w.uuid(bad), RowBinaryError, bad);
  }
  assert.equal(w.length, 0);
});

test("settings are string literals whatever their text: quotes, backslashes and NULs stay inside the value", () => {
  assert.equal(sqlString("it's"), "'it\\'s'");
  assert.equal(sqlString("a\\'b"), "'a\\\\\\'b'");
  assert.equal(sqlString("x\u0000y"), "'x\\0y'");
  assert.equal(
    settingsClause({ insert_deduplication_token: "a', max_threads = 1 --", async_insert: 1 }),
    "SETTINGS insert_deduplication_token = 'a\\', max_threads = 1 --', async_insert = '1'",
  );
  assert.throws(() => settingsClause({ "max_threads = 1, x": 1 }));
});

interface Target {
  name: string;
  open(): Promise<ClickHouseDriver>;
}

const targets: Target[] = [
  {
    name: "chDB (in-process)",
    open: async () => openChdbDriver(await tempDirUntilExit("syntra-rowbinary-test-")),
  },
];
const serverUrl = process.env.TEST_CLICKHOUSE_URL;
if (serverUrl) {
  targets.push({
    name: "ClickHouse HTTP server",
    open: async () => openClickHouseDriver(await freshDatabase(serverUrl)),
  });
}

const COLUMNS = ["s", "u", "i", "t", "m", "f", "c", "e"];

for (const target of targets) {
  describe(`RowBinary read by ${target.name}`, () => {
    let driver: ClickHouseDriver;
    before(async () => {
      driver = await target.open();
      await driver.exec(
        `CREATE TABLE rb_check (n UInt32 DEFAULT 0, s String, u UUID, i Int64, t DateTime64(9, 'UTC'), m Map(LowCardinality(String), String),
           f Array(Float64), c Array(UInt64), e Enum8('a' = 0, 'b' = 5), derived String MATERIALIZED upper(s))
         ENGINE = MergeTree ORDER BY n SETTINGS non_replicated_deduplication_window = 100`,
      );
    });
    after(() => driver.close());

    test("every encoding the store writes comes back exactly as written", async () => {
      const w = new RowBinaryWriter(16);
      const long = "é".repeat(20_000); // 40,000 UTF-8 bytes: a three-byte length
      const rows = [
        { s: "", u: "00112233-4455-6677-8899-aabbccddeeff", i: -5, ms: 0, nanos: 1, e: 0 },
        {
          s: "ünïcødé ✓ 𝄞 and \u0000 inside",
          u: "FFFFFFFF-0000-0000-0000-000000000001",
          i: 2 ** 53 - 1,
          ms: 1,
          nanos: 0,
          e: 5,
        },
        { s: long, u: "12345678-9abc-4def-8123-456789abcdef", i: -(2 ** 40), ms: 1796450400123, nanos: 456789, e: 0 },
        { s: "x".repeat(127), u: "00000000-0000-0000-0000-000000000000", i: 0, ms: -1000, nanos: 5, e: 5 },
      ];
      for (const r of rows) {
        w.string(r.s);
        w.uuid(r.u);
        w.int64(r.i);
        w.dateTime64ns(r.ms, r.nanos);
        w.stringMap({ key: r.s.slice(0, 50), "": "empty key" });
        w.float64Array([1.5, -0, 1e300]);
        w.uint64Array([0, 2 ** 32, 2 ** 53 - 1]);
        w.int8(r.e);
      }
      await driver.insert({ table: "rb_check", columns: COLUMNS, data: w.bytes() }, {});
      const back = await driver.query<{ s: string; u: string; i: string; t: string; m: Record<string, string> }>(
        `SELECT s, toString(u) AS u, toString(i) AS i, toString(toUnixTimestamp64Nano(t)) AS t, m, f, arrayMap(x -> toString(x), c) AS c,
           toString(e) AS e, derived FROM rb_check ORDER BY t`,
      );
      const expected = rows
        .map((r) => ({
          s: r.s,
          u: r.u.toLowerCase(),
          i: String(r.i),
          t: (BigInt(r.ms) * 1_000_000n + BigInt(r.nanos)).toString(),
          m: { key: r.s.slice(0, 50), "": "empty key" },
          f: [1.5, -0, 1e300],
          c: ["0", "4294967296", "9007199254740991"],
          e: r.e === 0 ? "a" : "b",
          derived: r.s.toUpperCase(),
        }))
        .sort((a, b) => (BigInt(a.t) < BigInt(b.t) ? -1 : 1));
      assert.equal(back.length, rows.length);
      back.forEach((row, i) => {
        const want = expected[i];
        assert.equal(row.s, want?.s, `row ${i} s`);
        assert.deepEqual({ ...row, s: undefined, derived: undefined }, { ...want, s: undefined, derived: undefined });
      });
    });

    test("a dedup token of any text is one value: the same token twice stores once, nothing else is touched", async () => {
      const w = new RowBinaryWriter();
      w.string("token");
      w.uuid("00112233-4455-6677-8899-aabbccddeeff");
      w.int64(7);
      w.dateTime64ns(0, 0);
      w.stringMap({});
      w.float64Array([]);
      w.uint64Array([]);
      w.int8(0);
      const token = "x'); DROP TABLE rb_check; -- \\ \u0000";
      const settings = { insert_deduplication_token: token };
      await driver.insert({ table: "rb_check", columns: COLUMNS, data: w.bytes() }, settings);
      await driver.insert({ table: "rb_check", columns: COLUMNS, data: w.bytes() }, settings);
      const [row] = await driver.query<{ n: string }>("SELECT toString(count()) AS n FROM rb_check WHERE s = 'token'");
      assert.equal(row?.n, "1");
    });
  });
}
