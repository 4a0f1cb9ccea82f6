import assert from "node:assert/strict";
import { test } from "node:test";
import { AdmissionRate, admissionBacklogLimit } from "./admission-rate";

// The admission rate sizes the agents' reconnect spread and the 503 backlog (hub.ts): it must measure what the
// process admits while agents keep waiting, not the pace a trickle of them arrives at. A clock of the test's own.

function rate(initialPerSecond = 500) {
  let now = 0;
  const r = new AdmissionRate({ initialPerSecond, min: 1, now: () => now });
  return { r, at: (ms: number) => (now = ms) };
}

test("agents admitted while others keep waiting for a whole window measure the rate; the first replaces the guess", () => {
  const { r, at } = rate();
  at(0);
  r.record(0, 1000);
  // 10 batches of 30 over one second, a backlog behind each: 300 per second.
  for (let i = 1; i <= 10; i++) {
    at(i * 100);
    r.record(30, 1000 - 30 * i);
  }
  assert.equal(r.samples, 1);
  assert.equal(r.perSecond, 300);
  // A second, faster window moves the estimate part of the way (weight 0.3): 300 * 0.7 + 600 * 0.3.
  for (let i = 1; i <= 10; i++) {
    at(1000 + i * 100);
    r.record(60, 500);
  }
  assert.equal(r.samples, 2);
  assert.equal(Math.round(r.perSecond), 390);
});

test("a measurement during which the backlog ran dry is dropped: a trickle is not the capacity", () => {
  const { r, at } = rate(500);
  at(0);
  r.record(1, 5);
  at(600);
  r.record(2, 0); // every agent in: the pace was the arrivals'
  at(1200);
  r.record(1, 0); // no backlog before nor after: nothing starts
  at(2500);
  r.record(1, 0);
  assert.equal(r.samples, 0);
  assert.equal(r.perSecond, 500, "still the configured guess");
  // Short of a window, nothing is taken either.
  at(3000);
  r.record(0, 10);
  at(3900);
  r.record(100, 10);
  assert.equal(r.samples, 0);
});

test("the estimate stays within its bounds", () => {
  let now = 0;
  const r = new AdmissionRate({ initialPerSecond: 1_000_000, min: 20, max: 5000, now: () => now });
  assert.equal(r.perSecond, 5000);
  r.record(0, 1);
  now = 2000;
  r.record(1, 1); // 0.5 per second measured
  assert.equal(r.perSecond, 20);
});

test("the backlog limit is what the rate admits in the budget, within its floor and the configured maximum", () => {
  assert.equal(admissionBacklogLimit(400, 5, 50, 5000), 2000);
  assert.equal(admissionBacklogLimit(4, 5, 50, 5000), 50, "a slow estimate still lets a few wait");
  assert.equal(admissionBacklogLimit(4000, 5, 50, 5000), 5000, "never past the configured maximum");
  assert.equal(admissionBacklogLimit(400, 5, 50, 40), 40, "a configured maximum below the floor wins");
});
