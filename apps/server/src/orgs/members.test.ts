import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { and, eq } from "drizzle-orm";
import { orgMembers } from "../db/schema";
import { createTestApp, TEST_PASSWORD, type TestApp } from "../testing/harness";

const DAY_MS = 86_400_000;

describe("members and invitations", () => {
  let t: TestApp;
  let owner: { cookie: string; userId: string; orgId: string };
  let admin: { cookie: string; userId: string };

  before(async () => {
    t = await createTestApp();
    owner = await t.signup("owner@example.com", { orgName: "Members Org" });
    admin = await t.member(owner, "admin@example.com", "admin");
  });
  after(() => t.close());

  const invite = (as: { cookie: string }, email: string, role: string) =>
    t.call("POST", "/api/v1/org/invitations", { as, body: { email, role } });
  const signupWith = (email: string, token: string) =>
    t.call("POST", "/api/v1/auth/signup", { body: { email, password: TEST_PASSWORD, invite_token: token } });

  test("an admin can invite developers, viewers and admins, but not owners", async () => {
    for (const role of ["developer", "viewer", "admin"]) {
      const res = await invite(admin, `${role}-by-admin@example.com`, role);
      assert.equal(res.status, 201, role);
      assert.equal(res.body.data.role, role);
      assert.match(res.body.data.token, /^inv_[A-Za-z0-9]{40}$/);
      assert.equal(res.body.data.accept_url, `http://127.0.0.1:3000/signup?invite=${res.body.data.token}`);
    }
    const res = await invite(admin, "owner-by-admin@example.com", "owner");
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, "FORBIDDEN");
  });

  test("a developer cannot invite anyone", async () => {
    const dev = await t.member(owner, "dev@example.com", "developer");
    const res = await invite(dev, "friend@example.com", "viewer");
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, "FORBIDDEN");
  });

  test("an owner can invite another owner, who joins as owner", async () => {
    const inv = await invite(owner, "co-owner@example.com", "owner");
    assert.equal(inv.status, 201);
    const res = await signupWith("co-owner@example.com", inv.body.data.token);
    assert.equal(res.status, 201);
    assert.equal(res.body.data.org.id, owner.orgId);
    assert.equal(res.body.data.org.role, "owner");
  });

  test("pending invitations are listed without their tokens; accepted and expired ones are not", async () => {
    const pending = await invite(owner, "pending@example.com", "viewer");
    const accepted = await invite(owner, "accepted@example.com", "viewer");
    await signupWith("accepted@example.com", accepted.body.data.token);

    const list = await t.call("GET", "/api/v1/org/invitations", { as: admin });
    assert.equal(list.status, 200);
    const emails = list.body.data.map((i: { email: string }) => i.email);
    assert.ok(emails.includes("pending@example.com"));
    assert.ok(!emails.includes("accepted@example.com"));
    const entry = list.body.data.find((i: { id: string }) => i.id === pending.body.data.id);
    assert.equal(entry.role, "viewer");
    assert.equal(entry.invited_by, owner.userId);
    assert.equal("token" in entry, false);
    assert.ok(!JSON.stringify(list.body).includes(pending.body.data.token));
  });

  test("a revoked invitation disappears and can no longer be used", async () => {
    const inv = await invite(owner, "revoked@example.com", "developer");
    const del = await t.call("DELETE", `/api/v1/org/invitations/${inv.body.data.id}`, { as: admin });
    assert.equal(del.status, 204);
    const list = await t.call("GET", "/api/v1/org/invitations", { as: owner });
    assert.ok(!list.body.data.some((i: { id: string }) => i.id === inv.body.data.id));
    const res = await signupWith("revoked@example.com", inv.body.data.token);
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, "INVITATION_INVALID");
    const again = await t.call("DELETE", `/api/v1/org/invitations/${inv.body.data.id}`, { as: admin });
    assert.equal(again.status, 404);
  });

  test("members are listed owners first with their roles", async () => {
    const res = await t.call("GET", "/api/v1/org/members", { as: admin });
    assert.equal(res.status, 200);
    const roles: string[] = res.body.data.map((m: { role: string }) => m.role);
    const order = ["owner", "admin", "developer", "viewer"];
    assert.deepEqual(
      [...roles].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
      roles,
    );
    assert.ok(
      res.body.data.some((m: { email: string; role: string }) => m.email === "admin@example.com" && m.role === "admin"),
    );
  });

  test("an admin can change a developer's role, but not an owner's, and cannot make owners", async () => {
    const dev = await t.member(owner, "promote-me@example.com", "developer");
    const up = await t.call("PATCH", `/api/v1/org/members/${dev.userId}`, { as: admin, body: { role: "admin" } });
    assert.equal(up.status, 200);
    assert.equal(up.body.data.role, "admin");
    assert.equal(up.body.data.email, "promote-me@example.com");

    const toOwner = await t.call("PATCH", `/api/v1/org/members/${dev.userId}`, { as: admin, body: { role: "owner" } });
    assert.equal(toOwner.status, 403);
    const demoteOwner = await t.call("PATCH", `/api/v1/org/members/${owner.userId}`, {
      as: admin,
      body: { role: "viewer" },
    });
    assert.equal(demoteOwner.status, 403);
    assert.equal(demoteOwner.body.error.code, "FORBIDDEN");
    const removeOwner = await t.call("DELETE", `/api/v1/org/members/${owner.userId}`, { as: admin });
    assert.equal(removeOwner.status, 403);
  });

  test("a role change takes effect on the member's next request", async () => {
    const viewer = await t.member(owner, "grows@example.com", "viewer");
    assert.equal((await t.call("POST", "/api/v1/projects", { as: viewer, body: { name: "Early" } })).status, 403);
    await t.call("PATCH", `/api/v1/org/members/${viewer.userId}`, { as: owner, body: { role: "developer" } });
    assert.equal((await t.call("POST", "/api/v1/projects", { as: viewer, body: { name: "Later" } })).status, 201);
  });

  test("an admin can rename the organization; its slug stays", async () => {
    const res = await t.call("PATCH", "/api/v1/org", { as: admin, body: { name: "Renamed Org" } });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.name, "Renamed Org");
    assert.equal(res.body.data.slug, "members-org");
    const me = await t.call("GET", "/api/v1/me", { as: owner });
    assert.equal(me.body.data.org.name, "Renamed Org");
  });

  test("unknown members answer 404", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    assert.equal(
      (await t.call("PATCH", `/api/v1/org/members/${missing}`, { as: owner, body: { role: "viewer" } })).status,
      404,
    );
    assert.equal((await t.call("DELETE", `/api/v1/org/members/${missing}`, { as: owner })).status, 404);
  });

  test("a removed member keeps their session but gets 403 on organization routes", async () => {
    const gone = await t.member(owner, "removed@example.com", "developer");
    assert.equal((await t.call("GET", "/api/v1/org", { as: gone })).status, 200);
    const del = await t.call("DELETE", `/api/v1/org/members/${gone.userId}`, { as: admin });
    assert.equal(del.status, 204);
    for (const url of ["/api/v1/org", "/api/v1/org/members", "/api/v1/projects"]) {
      const res = await t.call("GET", url, { as: gone });
      assert.equal(res.status, 403, url);
      assert.equal(res.body.error.code, "FORBIDDEN");
    }
    const me = await t.call("GET", "/api/v1/me", { as: gone });
    assert.equal(me.status, 200);
    assert.equal(me.body.data.org, null);
    assert.deepEqual(me.body.data.orgs, []);
    const members = await t.call("GET", "/api/v1/org/members", { as: owner });
    assert.ok(!members.body.data.some((m: { user_id: string }) => m.user_id === gone.userId));
  });

  test("invitations are not listed once expired", async () => {
    const inv = await t.call("POST", "/api/v1/org/invitations", {
      as: owner,
      body: { email: "expiring@example.com", role: "viewer", expires_in_days: 1 },
    });
    assert.equal(Date.parse(inv.body.data.expires_at) - Date.parse(inv.body.data.created_at) > DAY_MS - 60_000, true);
    t.advanceClock(DAY_MS + 1000);
    const list = await t.call("GET", "/api/v1/org/invitations", { as: owner });
    assert.ok(!list.body.data.some((i: { id: string }) => i.id === inv.body.data.id));
  });
});

describe("the last owner", () => {
  let t: TestApp;
  let owner: { cookie: string; userId: string; orgId: string };

  before(async () => {
    t = await createTestApp();
    owner = await t.signup("solo@example.com", { orgName: "Solo Org" });
  });
  after(() => t.close());

  test("cannot be demoted or removed", async () => {
    const demote = await t.call("PATCH", `/api/v1/org/members/${owner.userId}`, { as: owner, body: { role: "admin" } });
    assert.equal(demote.status, 422);
    assert.equal(demote.body.error.code, "UNPROCESSABLE");
    const remove = await t.call("DELETE", `/api/v1/org/members/${owner.userId}`, { as: owner });
    assert.equal(remove.status, 422);
    assert.equal(remove.body.error.code, "UNPROCESSABLE");
    const me = await t.call("GET", "/api/v1/me", { as: owner });
    assert.equal(me.body.data.org.role, "owner");
  });

  test("can step down once another owner exists, and the organization's owner_id follows", async () => {
    const ownerId = async () => (await t.call("GET", "/api/v1/org", { as: owner })).body.data.owner_id;
    assert.equal(await ownerId(), owner.userId);
    const second = await t.member(owner, "second@example.com", "owner");
    assert.equal(await ownerId(), owner.userId, "a new co-owner does not take over");
    const res = await t.call("PATCH", `/api/v1/org/members/${owner.userId}`, { as: owner, body: { role: "admin" } });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.role, "admin");
    assert.equal(await ownerId(), second.userId);
    // Back to one owner: the second one is now the last.
    const demote = await t.call("PATCH", `/api/v1/org/members/${second.userId}`, {
      as: second,
      body: { role: "viewer" },
    });
    assert.equal(demote.status, 422);
    await t.call("PATCH", `/api/v1/org/members/${owner.userId}`, { as: second, body: { role: "owner" } });
    assert.equal(await ownerId(), second.userId, "stays with an owner while they remain one");
    // The primary owner leaves: the one who is still an owner becomes it.
    assert.equal((await t.call("DELETE", `/api/v1/org/members/${second.userId}`, { as: owner })).status, 204);
    assert.equal(await ownerId(), owner.userId);
  });

  test("two owners demoting each other at once leave exactly one owner", async () => {
    const owners = async () =>
      (
        await t.deps.db
          .select({ userId: orgMembers.userId })
          .from(orgMembers)
          .where(and(eq(orgMembers.orgId, owner.orgId), eq(orgMembers.role, "owner")))
      ).map((r) => r.userId);
    // Reduce to a single owner, then race against a fresh co-owner several times: the race is timing-dependent.
    for (const userId of await owners()) {
      if (userId !== owner.userId) {
        await t.call("PATCH", `/api/v1/org/members/${userId}`, { as: owner, body: { role: "admin" } });
      }
    }
    let current: { cookie: string; userId: string } = owner;
    for (let round = 0; round < 6; round++) {
      const rival = await t.member(current, `rival-${round}@example.com`, "owner");
      const answers = await Promise.all([
        t.call("PATCH", `/api/v1/org/members/${rival.userId}`, { as: current, body: { role: "admin" } }),
        t.call("PATCH", `/api/v1/org/members/${current.userId}`, { as: rival, body: { role: "admin" } }),
      ]);
      const statuses = answers.map((a) => a.status);
      assert.equal(statuses.filter((s) => s === 200).length, 1, `round ${round}: ${statuses}`);
      // The loser is refused as the last owner (422) or, if it arrives second, as no longer an owner (403).
      assert.ok(
        statuses.every((s) => [200, 403, 422].includes(s)),
        `round ${round}: ${statuses}`,
      );
      const left = await owners();
      assert.equal(left.length, 1, `round ${round}: ${left.length} owners`);
      current = left[0] === rival.userId ? rival : current;
    }
  });
});

describe("joining a second organization", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  });
  after(() => t.close());

  test("a signed-in user accepts an invitation and picks the organization per request", async () => {
    const alice = await t.signup("alice@example.com", { orgName: "Alice Org" });
    const bob = await t.signup("bob@example.com", { orgName: "Bob Org" });
    const inv = await t.call("POST", "/api/v1/org/invitations", {
      as: alice,
      body: { email: "BOB@example.com", role: "developer" },
    });
    const accepted = await t.call("POST", "/api/v1/invitations/accept", {
      as: bob,
      body: { token: inv.body.data.token },
    });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.data.org.id, alice.orgId);
    assert.equal(accepted.body.data.org.role, "developer");
    assert.equal(accepted.body.data.orgs.length, 2);

    const inAlice = await t.call("GET", "/api/v1/org", { as: bob, headers: { "x-syntra-org": alice.orgId } });
    assert.equal(inAlice.body.data.name, "Alice Org");
    const inOwn = await t.call("GET", "/api/v1/org", { as: bob, headers: { "x-syntra-org": bob.orgId } });
    assert.equal(inOwn.body.data.name, "Bob Org");
    const elsewhere = await t.call("GET", "/api/v1/org", { as: alice, headers: { "x-syntra-org": bob.orgId } });
    assert.equal(elsewhere.status, 403);
  });

  test("an invitation for another email cannot be accepted by a signed-in user", async () => {
    const carol = await t.signup("carol@example.com");
    const dave = await t.signup("dave@example.com");
    const inv = await t.call("POST", "/api/v1/org/invitations", {
      as: carol,
      body: { email: "someone-else@example.com", role: "admin" },
    });
    const res = await t.call("POST", "/api/v1/invitations/accept", { as: dave, body: { token: inv.body.data.token } });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, "INVITATION_INVALID");
  });
});
