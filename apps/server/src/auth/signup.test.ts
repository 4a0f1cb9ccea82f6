import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { users } from "../db/schema";
import { createTestApp, TEST_PASSWORD, type TestApp } from "../testing/harness";

const DAY_MS = 86_400_000;

function signupBody(email: string, extra: Record<string, unknown> = {}) {
  return { email, password: TEST_PASSWORD, ...extra };
}

describe("sign-up on an installation with closed sign-up", () => {
  let t: TestApp;
  let owner: { cookie: string; userId: string; orgId: string };

  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  test("the first user creates the organization they name and owns it", async () => {
    const res = await t.call("POST", "/api/v1/auth/signup", {
      body: signupBody("founder@example.com", { name: "Founder", org_name: "Acme Corp" }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.success, true);
    const me = res.body.data;
    assert.equal(me.user.email, "founder@example.com");
    assert.equal(me.user.name, "Founder");
    assert.equal(me.org.name, "Acme Corp");
    assert.equal(me.org.slug, "acme-corp");
    assert.equal(me.org.role, "owner");
    assert.equal(me.auth_method, "session");
    assert.ok(me.permissions.includes("members:write"));
    const cookie = /syntra_session=([^;]+)/.exec(String(res.headers["set-cookie"]))?.[1];
    assert.ok(cookie, "the new user is signed in");
    owner = { cookie, userId: me.user.id, orgId: me.org.id };

    const org = await t.call("GET", "/api/v1/org", { as: owner });
    assert.equal(org.status, 200);
    assert.equal(org.body.data.owner_id, me.user.id);
    assert.equal(org.body.data.slug, "acme-corp");
  });

  test("the password is stored as a scrypt hash, never in clear", async () => {
    const [row] = await t.deps.db
      .select({ hash: users.passwordHash })
      .from(users)
      .where(eq(users.email, "founder@example.com"));
    assert.ok(row?.hash);
    assert.ok(row.hash.startsWith("scrypt$"), row.hash);
    assert.ok(!row.hash.includes(TEST_PASSWORD));
    const me = await t.call("GET", "/api/v1/me", { as: owner });
    assert.ok(!JSON.stringify(me.body).includes("scrypt$"), "the hash never leaves the server");
  });

  test("a second sign-up without an invitation is refused", async () => {
    const res = await t.call("POST", "/api/v1/auth/signup", { body: signupBody("stranger@example.com") });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, "SIGNUP_CLOSED");
    assert.equal(res.headers["set-cookie"], undefined);
    const [row] = await t.deps.db.select().from(users).where(eq(users.email, "stranger@example.com"));
    assert.equal(row, undefined, "no user is left behind");
  });

  test("a duplicate email is a conflict, whatever its case", async () => {
    const res = await t.call("POST", "/api/v1/auth/signup", { body: signupBody("Founder@Example.COM") });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, "CONFLICT");
  });

  test("a password under 10 characters is a validation error on body.password", async () => {
    const res = await t.call("POST", "/api/v1/auth/signup", {
      body: { email: "short@example.com", password: "123456789" },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "VALIDATION_ERROR");
    assert.ok(
      res.body.error.details.some((d: { path: string }) => d.path === "body.password"),
      JSON.stringify(res.body.error.details),
    );
  });

  test("emails are case-insensitive: stored lowercase, and login accepts any case", async () => {
    const login = await t.call("POST", "/api/v1/auth/login", {
      body: { email: "FOUNDER@example.com", password: TEST_PASSWORD },
    });
    assert.equal(login.status, 200);
    assert.equal(login.body.data.user.id, owner.userId);
  });

  test("an invitation lets a new user join the inviter's organization with the invited role", async () => {
    const inv = await t.call("POST", "/api/v1/org/invitations", {
      as: owner,
      body: { email: "Dev@Example.com", role: "developer" },
    });
    assert.equal(inv.status, 201);
    const res = await t.call("POST", "/api/v1/auth/signup", {
      body: signupBody("dev@example.com", { invite_token: inv.body.data.token }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.data.org.id, owner.orgId);
    assert.equal(res.body.data.org.role, "developer");
    assert.deepEqual(
      res.body.data.orgs.map((o: { id: string }) => o.id),
      [owner.orgId],
      "no org of their own is created",
    );

    const members = await t.call("GET", "/api/v1/org/members", { as: owner });
    const dev = members.body.data.find((m: { email: string }) => m.email === "dev@example.com");
    assert.equal(dev?.role, "developer");
  });

  test("an invitation cannot be used twice", async () => {
    const inv = await t.call("POST", "/api/v1/org/invitations", {
      as: owner,
      body: { email: "once@example.com", role: "viewer" },
    });
    const token = inv.body.data.token;
    const first = await t.call("POST", "/api/v1/auth/signup", {
      body: signupBody("once@example.com", { invite_token: token }),
    });
    assert.equal(first.status, 201);

    const second = await t.call("POST", "/api/v1/auth/signup", {
      body: signupBody("once-more@example.com", { invite_token: token }),
    });
    assert.equal(second.status, 422);
    assert.equal(second.body.error.code, "INVITATION_INVALID");
    const [row] = await t.deps.db.select().from(users).where(eq(users.email, "once-more@example.com"));
    assert.equal(row, undefined, "the failed sign-up leaves no user behind");

    // Replayed by a signed-in user through the accept endpoint: same answer.
    const replay = await t.call("POST", "/api/v1/invitations/accept", { as: owner, body: { token } });
    assert.equal(replay.status, 422);
    assert.equal(replay.body.error.code, "INVITATION_INVALID");
  });

  test("an invitation for another email address is rejected", async () => {
    const inv = await t.call("POST", "/api/v1/org/invitations", {
      as: owner,
      body: { email: "intended@example.com", role: "admin" },
    });
    const res = await t.call("POST", "/api/v1/auth/signup", {
      body: signupBody("interloper@example.com", { invite_token: inv.body.data.token }),
    });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, "INVITATION_INVALID");
    const [row] = await t.deps.db.select().from(users).where(eq(users.email, "interloper@example.com"));
    assert.equal(row, undefined);
    // The rightful invitee can still use it.
    const ok = await t.call("POST", "/api/v1/auth/signup", {
      body: signupBody("intended@example.com", { invite_token: inv.body.data.token }),
    });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.data.org.role, "admin");
  });

  test("an unknown invitation token is rejected", async () => {
    const res = await t.call("POST", "/api/v1/auth/signup", {
      body: signupBody("guess@example.com", { invite_token: "inv_not-a-real-token" }),
    });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, "INVITATION_INVALID");
  });

  test("an invitation expires after 7 days", async () => {
    const inv = await t.call("POST", "/api/v1/org/invitations", {
      as: owner,
      body: { email: "late@example.com", role: "developer" },
    });
    assert.equal(Date.parse(inv.body.data.expires_at) - Date.parse(inv.body.data.created_at) > 6 * DAY_MS, true);
    t.advanceClock(7 * DAY_MS + 1000);
    const res = await t.call("POST", "/api/v1/auth/signup", {
      body: signupBody("late@example.com", { invite_token: inv.body.data.token }),
    });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, "INVITATION_INVALID");
  });
});

describe("sign-up on an installation with open sign-up", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  });
  after(() => t.close());

  test("providers advertise open sign-up", async () => {
    const res = await t.call("GET", "/api/v1/auth/providers");
    assert.deepEqual(res.body.data, { password: true, github: false, open_signup: true });
  });

  test("each later user gets an organization of their own, with a unique slug", async () => {
    const first = await t.signup("one@example.com", { orgName: "Shared Name" });
    const second = await t.call("POST", "/api/v1/auth/signup", {
      body: signupBody("two@example.com", { org_name: "Shared Name" }),
    });
    assert.equal(second.status, 201);
    assert.notEqual(second.body.data.org.id, first.orgId);
    assert.equal(second.body.data.org.role, "owner");
    assert.equal(second.body.data.org.slug, "shared-name-2");
    assert.deepEqual(second.body.data.orgs.length, 1);
  });

  test("without org_name the organization is named after the user", async () => {
    const res = await t.call("POST", "/api/v1/auth/signup", {
      body: signupBody("three@example.com", { name: "Zoë Tester" }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.data.org.name, "Zoë Tester's organization");
    assert.equal(res.body.data.org.slug, "zoe-tester-s-organization");
  });
});

describe("sign-ups racing each other", () => {
  test("two first users at once: one owns the installation's first org, the other needs an invitation", async () => {
    const t = await createTestApp();
    try {
      const answers = await Promise.all(
        ["racer-a@example.com", "racer-b@example.com"].map((email) =>
          t.call("POST", "/api/v1/auth/signup", { body: signupBody(email, { org_name: "First" }) }),
        ),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, 403]);
      assert.equal((await t.deps.db.select().from(users)).length, 1);
    } finally {
      await t.close();
    }
  });

  test("the same email twice at once creates one account", async () => {
    const t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
    try {
      const answers = await Promise.all(
        ["twin@example.com", "TWIN@example.com"].map((email) =>
          t.call("POST", "/api/v1/auth/signup", { body: signupBody(email) }),
        ),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409]);
      assert.equal((await t.deps.db.select().from(users)).length, 1);
    } finally {
      await t.close();
    }
  });
});
