import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkEvent, startTestServer, type TestServer } from "./helpers.js";

// Issue 16 item 4: secrets an SDK failed to redact (or a sender that is no SDK) must not reach the
// store or any answer. Each value below came through before the fix. Built from parts so that no
// scanner takes this file for a leak.
const PLANTED = {
  namePassword: ["hunter", "2name"].join(""),
  nameQuery: ["q9", "namekey"].join(""),
  arrayPassword: ["arr", "ay-pw-1"].join(""),
  credentials: ["cred", "-obj-77"].join(""),
  urlPassword: ["url", "pass99"].join(""),
  urlQuery: ["query", "key55"].join(""),
  aws: ["wJalrXUtnFEMI/K7MDENG", "/bPxRfiCYEXAMPLEKEY"].join(""),
  exportKey: ["exp", "ort123key"].join(""),
  tokenWord: ["9f8e7d6c", "5b4a3210"].join(""),
  errorPassword: ["err", "pw-4242"].join(""),
  targetUrl: ["tgt", "pass31"].join(""),
};

describe("the server redacts what senders missed", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("in names, arrays and objects under sensitive keys, URLs and free text; nothing reaches the store", async () => {
    const p = PLANTED;
    const events = [
      sdkEvent({
        type: "api_call",
        name: `POST https://admin:${p.namePassword}@db.example.com/x?api_key=${p.nameQuery}`,
        payload: { url: `https://db.example.com/x?api_key=${p.nameQuery}`, method: "POST" },
      }),
      sdkEvent({
        name: "login",
        payload: {
          password: [p.arrayPassword],
          credentials: { user: "ann", pass: p.credentials },
          dsn: `postgres://app:${p.urlPassword}@10.0.0.5:5432/db`,
          next: `https://x.test/cb?token=${p.urlQuery}&state=1`,
          note: p.aws,
          shell: `export OPENAI_API_KEY=${p.exportKey} && run`,
          header: `using token ${p.tokenWord} for the call`,
        },
        metadata: { error: `connect failed: password=${p.errorPassword}` },
      }),
      sdkEvent({ type: "decision", name: `target https://u:${p.targetUrl}@host.example.com/`, payload: {} }),
    ];
    const res = await t.api("POST", "/api/v1/events/batch", { body: { events } });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(3);

    const listed = await t.api("GET", "/api/v1/events?limit=100");
    expect(listed.status).toBe(200);
    const text = JSON.stringify(listed.body);
    for (const [label, secret] of Object.entries(PLANTED)) expect(text, label).not.toContain(secret);
    const stored = listed.body.events as { name: string; payload: Record<string, unknown> }[];
    expect(stored.map((e) => e.name)).toContain(
      "POST https://admin:[REDACTED]@db.example.com/x?api_key=[REDACTED]",
    );
    const login = stored.find((e) => e.name === "login")!;
    expect(login.payload).toMatchObject({ password: "[REDACTED]", credentials: "[REDACTED]" });

    // And not in the database file or its write-ahead log.
    await t.server.close();
    const files = readdirSync(t.dataDir).filter((f) => /\.(db|sqlite)(-wal)?$|-wal$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = readFileSync(join(t.dataDir, f)).toString("latin1");
      for (const [label, secret] of Object.entries(PLANTED))
        expect(bytes, `${label} in ${f}`).not.toContain(secret);
    }
  });
});
