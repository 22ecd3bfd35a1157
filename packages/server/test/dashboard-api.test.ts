import { request as httpRequest } from "node:http";
import { waitFor } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "./backends.js";
import { apiCallEvent, newProjectKey, sdkEvent, startTestServer, type TestServer } from "./helpers.js";

const PASSWORD = "correct horse battery staple";

/** A cookie-carrying caller, as the dashboard's page is. */
function browser(t: TestServer) {
  let cookie = "";
  let csrf = "";
  return {
    get csrf() {
      return csrf;
    },
    async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(new URL(path, t.url), {
        method,
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const set = res.headers.get("set-cookie");
      if (set) cookie = set.split(";")[0]!;
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : undefined;
      if (parsed?.csrf_token) csrf = parsed.csrf_token;
      return { status: res.status, body: parsed, setCookie: set };
    },
    /** Opens the SSE stream and collects its events until `stop`. */
    stream(query = "") {
      const events: any[] = [];
      const req = httpRequest(new URL(`/api/v1/events/stream${query}`, t.url), { headers: { cookie } });
      let buffer = "";
      const opened = new Promise<number>((resolve) =>
        req.on("response", (res) => {
          resolve(res.statusCode ?? 0);
          res.setEncoding("utf8").on("data", (d: string) => {
            buffer += d;
            let end = buffer.indexOf("\n\n");
            while (end >= 0) {
              const frame = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = /^data: (.*)$/m.exec(frame);
              if (/^event: events$/m.test(frame) && data) events.push(...JSON.parse(data[1]!));
              end = buffer.indexOf("\n\n");
            }
          });
        }),
      );
      req.on("error", () => {});
      req.end();
      return { events, opened, stop: () => req.destroy() };
    },
  };
}

for (const backend of BACKENDS) {
  describe(`dashboard API (${backend.name})`, () => {
    let t: TestServer;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const b = await backend.setup();
      cleanup = b.cleanup;
      t = await startTestServer({ ...b.overrides, dashboard: { password: PASSWORD } });
    });
    afterAll(async () => {
      await t?.close();
      await cleanup?.();
    });

    it("signs in with an admin key into an HttpOnly, SameSite=Strict session; refuses others", async () => {
      const b = browser(t);
      expect((await b.call("GET", "/api/v1/session")).status).toBe(401);
      const ingest = await newProjectKey(t, "default", "ingest");
      const refused = await b.call("POST", "/api/v1/session", { api_key: ingest });
      expect(refused).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
      expect(
        (await b.call("POST", "/api/v1/session", { api_key: "tsk_nope_nope_nope_nope_nope" })).status,
      ).toBe(401);
      expect((await b.call("POST", "/api/v1/session", { password: "wrong password!!" })).status).toBe(401);
      const ok = await b.call("POST", "/api/v1/session", { api_key: t.adminKey });
      expect(ok.status).toBe(200);
      expect(ok.setCookie).toMatch(
        /^trusera_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
      );
      expect(ok.body).toMatchObject({ project: { name: "default" }, role: "admin", password_sign_in: true });
      const me = await b.call("GET", "/api/v1/session");
      expect(me.body.csrf_token).toBe(ok.body.csrf_token);
      expect((await b.call("GET", "/api/v1/agents")).status).toBe(200);
    });

    it("needs the CSRF token and this server's origin for every change made with the cookie", async () => {
      const b = browser(t);
      await b.call("POST", "/api/v1/session", { api_key: t.adminKey });
      const body = { policies: "permit (principal, action, resource);" };
      expect(await b.call("POST", "/api/v1/policies", body)).toMatchObject({
        status: 403,
        body: { error: { code: "csrf" } },
      });
      expect((await b.call("POST", "/api/v1/policies", body, { "x-csrf-token": "forged" })).status).toBe(403);
      const foreign = await b.call("POST", "/api/v1/policies", body, {
        "x-csrf-token": b.csrf,
        origin: "http://evil.example",
      });
      expect(foreign).toMatchObject({ status: 403, body: { error: { code: "csrf" } } });
      expect(
        (
          await b.call("POST", "/api/v1/policies", body, {
            "x-csrf-token": b.csrf,
            "sec-fetch-site": "cross-site",
          })
        ).status,
      ).toBe(403);
      const own = await b.call("POST", "/api/v1/policies", body, { "x-csrf-token": b.csrf, origin: t.url });
      expect(own.status).toBe(201);
      // A sign-in from another site is refused too (login CSRF).
      expect(
        (await b.call("POST", "/api/v1/session", { api_key: t.adminKey }, { origin: "http://evil.example" }))
          .status,
      ).toBe(403);
    });

    it("ends the session on sign-out and when its key is revoked; the password opens the configured project", async () => {
      const b = browser(t);
      const made = await t.api("POST", "/api/v1/keys", { body: { role: "admin", label: "temp" } });
      await b.call("POST", "/api/v1/session", { api_key: made.body.key });
      expect((await b.call("GET", "/api/v1/session")).status).toBe(200);
      await t.api("DELETE", `/api/v1/keys/${made.body.id}`);
      expect((await b.call("GET", "/api/v1/session")).status).toBe(401);

      const p = browser(t);
      expect((await p.call("POST", "/api/v1/session", { password: PASSWORD })).body.key_id).toBe(
        "dashboard-password",
      );
      expect((await p.call("GET", "/api/v1/agents")).status).toBe(200);
      const out = await p.call("DELETE", "/api/v1/session", undefined, { "x-csrf-token": p.csrf });
      expect(out.setCookie).toContain("Max-Age=0");
      expect((await p.call("GET", "/api/v1/agents")).status).toBe(401);
    });

    it("scopes a session to its project", async () => {
      const otherKey = await newProjectKey(t, `other-${backend.name}`);
      await t.api("POST", "/api/v1/events/batch", {
        key: otherKey,
        body: { events: [sdkEvent({ agent_id: "secret-bot" })] },
      });
      const b = browser(t);
      await b.call("POST", "/api/v1/session", { api_key: t.adminKey });
      const agents = (await b.call("GET", "/api/v1/agents")).body.agents.map((a: any) => a.name);
      expect(agents).not.toContain("secret-bot");
      expect((await b.call("GET", "/api/v1/agents/secret-bot")).status).toBe(404);
      expect((await b.call("GET", "/api/v1/overview")).body.agents.map((a: any) => a.name)).not.toContain(
        "secret-bot",
      );
    });

    it("streams newly stored events over SSE, filtered, never duplicates, never another project's", async () => {
      const b = browser(t);
      await b.call("POST", "/api/v1/session", { api_key: t.adminKey });
      const all = b.stream();
      const denied = b.stream("?decision=deny&type=api_call");
      expect(await all.opened).toBe(200);
      expect(await denied.opened).toBe(200);
      const e1 = apiCallEvent("https://a.example/", "deny", { agent_id: "live-bot" });
      const e2 = sdkEvent({ agent_id: "live-bot" });
      await t.api("POST", "/api/v1/events/batch", { body: { events: [e1, e2] } });
      // A retried batch stores nothing new: nothing new is streamed.
      await t.api("POST", "/api/v1/events/batch", { body: { events: [e1, e2] } });
      const otherKey = await newProjectKey(t, `stream-${backend.name}`);
      await t.api("POST", "/api/v1/events/batch", { key: otherKey, body: { events: [sdkEvent()] } });
      await waitFor(() => all.events.length >= 2 && denied.events.length >= 1, { what: "streamed events" });
      await new Promise((r) => setTimeout(r, backend.name === "postgres" ? 2500 : 200));
      expect(all.events.map((e) => e.id).sort()).toEqual([e1.id, e2.id].sort());
      expect(denied.events.map((e) => e.id)).toEqual([e1.id]);
      expect(all.events.find((e) => e.id === e1.id)).toMatchObject({
        type: "api_call",
        decision: "deny",
        payload: { url: "https://a.example/" },
      });
      all.stop();
      denied.stop();
      await waitFor(() => t.server.ctx.streams.size === 0, { what: "streams closed" });
    });

    it("answers the overview: events per minute by type, violations, agents with counts", async () => {
      await t.api("POST", "/api/v1/events/batch", {
        body: {
          events: [
            apiCallEvent("https://b.example/", "deny", { agent_id: "ov-bot" }),
            apiCallEvent("https://b.example/", "allow", { agent_id: "ov-bot" }),
            sdkEvent({ agent_id: "ov-bot", type: "llm_invoke" }),
          ],
        },
      });
      const o = (await t.api("GET", "/api/v1/overview?minutes=60")).body;
      expect(o.window.bucket_seconds).toBe(60);
      expect(o.series.times.length).toBeGreaterThanOrEqual(60);
      const last = o.series.times.length - 1;
      expect(o.series.by_type.api_call[last]).toBeGreaterThanOrEqual(2);
      expect(o.series.violations[last]).toBeGreaterThanOrEqual(1);
      expect(o.agents.find((a: any) => a.name === "ov-bot")).toMatchObject({ events: 3, violations: 1 });
      expect(o.agents.find((a: any) => a.name === "ov-bot").last_seen_at).not.toBeNull();
    });

    it("validates policy text without storing it, with line and column", async () => {
      const bad = await t.api("POST", "/api/v1/policies/validate", {
        body: {
          policies:
            "permit (principal, action, resource);\nforbid (principal, action, resource) whenn { true };",
        },
      });
      expect(bad.status).toBe(200);
      expect(bad.body.ok).toBe(false);
      expect(bad.body.errors[0].line).toBe(2);
      const good = await t.api("POST", "/api/v1/policies/validate", {
        body: { policies: "permit (principal, action, resource);" },
      });
      expect(good.body).toMatchObject({ ok: true, errors: [] });
    });

    it("serves the dashboard page and its assets with a strict CSP, and nothing from elsewhere", async () => {
      const page = await fetch(new URL("/", t.url));
      if (page.status === 503) return; // not built: `npm test` builds first
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(page.headers.get("x-frame-options")).toBe("DENY");
      const html = await page.text();
      expect(html).not.toMatch(/https?:\/\//);
      const scripts = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(scripts.length).toBeGreaterThan(0);
      for (const s of scripts) {
        expect(s).toMatch(/^\/assets\//);
        expect((await fetch(new URL(s, t.url))).status, s).toBe(200);
      }
      // What the page loads at run time is checked in the browser test (every request it makes).
    });
  });
}
