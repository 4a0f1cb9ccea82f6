import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { auditLogs, organizations } from "../db/schema";
import { createTestApp, type TestApp } from "../testing/harness";
import { AuditDraft, auditedWork, systemWork } from "./unit-of-work";

// The unit of work's own guarantees, on the real store: one entry per change, stored with it or not at all.

let t: TestApp;
let orgId: string;
const PROJECT_CREATE = { action: "project.create", resourceType: "project" };

before(async () => {
  t = await createTestApp();
  orgId = (await t.signup("owner@example.com", { orgName: "Units" })).orgId;
});
after(() => t.close());

const entries = (action: string) => t.deps.db.select().from(auditLogs).where(eq(auditLogs.action, action));

test("Syntra's own change is stored with one entry per change; one that found nothing to change notes no org and gets none", async () => {
  const work = systemWork(t.deps.db, "build-worker", { action: "test.system", resourceType: "organization" });
  await work(async (tx, audit) => {
    await tx.update(organizations).set({ plan: "pro" }).where(eq(organizations.id, orgId));
    audit({ orgId, resourceId: orgId, details: { plan: "pro" } });
  });
  await work(async () => {});
  const stored = await entries("test.system");
  assert.equal(stored.length, 1);
  assert.equal(stored[0]?.actorType, "system");
  assert.equal(stored[0]?.actorComponent, "build-worker");
  assert.deepEqual(stored[0]?.details, { plan: "pro" });
});

test("a throw inside the unit of work keeps neither the change nor the entry", async () => {
  const draft = new AuditDraft({ ...PROJECT_CREATE, actor: { type: "system", component: "webhook" }, orgId });
  await assert.rejects(
    auditedWork(
      t.deps.db,
      draft,
    )(async (tx, audit) => {
      await tx.update(organizations).set({ name: "Half done" }).where(eq(organizations.id, orgId));
      audit({ resourceId: orgId });
      throw new Error("the change fails after its write");
    }),
    /after its write/,
  );
  const [org] = await t.deps.db.select().from(organizations).where(eq(organizations.id, orgId));
  assert.equal(org?.name, "Units");
  assert.deepEqual(await entries("project.create"), []);
});

test("one entry, one change: a second change in the same call and a note after the entry is stored are refused", async () => {
  const draft = new AuditDraft({ ...PROJECT_CREATE, actor: { type: "system", component: "webhook" }, orgId });
  const change = auditedWork(t.deps.db, draft);
  await change(async () => {});
  assert.throws(() => change(async () => {}), /second change/);
  assert.throws(() => draft.add({ resourceId: orgId }), /after the entry was stored/);
  assert.equal((await entries("project.create")).length, 1);
});
