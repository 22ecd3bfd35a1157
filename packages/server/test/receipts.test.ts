import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { buildActionReceipt, KeyStore, nowIso, ReceiptWriter, sha256Hex, statePaths } from "@trusera/core";
import { tempDir } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "./backends.js";
import { newProjectKey, startTestServer, type TestServer } from "./helpers.js";

/** A state directory with `n` real receipts, signed and chained by core's writer. */
function writeLog(n: number, actor = "agent-r", existing?: string) {
  const dir = existing ? { path: existing, remove() {} } : tempDir("trusera-receipts-");
  const writer = new ReceiptWriter(dir.path);
  const more = (count: number) => {
    for (let i = 0; i < count; i++) {
      const at = nowIso();
      writer.record(
        buildActionReceipt({
          actorId: actor,
          connector: "transient-trace/test",
          action: "execute",
          actionClass: i % 3 === 0 ? "delete" : "read",
          target: { id: `r-${i}` },
          decision: {
            outcome: i % 3 === 0 ? "deny" : "allow",
            block: i % 3 === 0,
            mode: "strict",
            reasonCode: "rule:test",
            ruleIds: ["test"],
            policyDigest: "0".repeat(64),
          },
          executionStatus: i % 3 === 0 ? "blocked" : "executed",
          requestedAt: at,
          decidedAt: at,
          correlationId: `t:${i}`,
        }),
      );
    }
  };
  more(n);
  const paths = statePaths(dir.path);
  const lines = () => readFileSync(paths.log, "utf8").trim().split("\n");
  return {
    dir,
    more,
    lines,
    receipts: () => lines().map((l) => JSON.parse(l)),
    chainId: () => sha256Hex(lines()[0]!),
    jwks: () => new KeyStore(paths).jwks(),
    close: () => writer.close(),
  };
}

for (const backend of BACKENDS) {
  describe(`receipt upload (${backend.name})`, () => {
    let t: TestServer;
    let ingest: string;
    let cleanup: () => Promise<void>;
    let databaseUrl: string | null = null;
    beforeAll(async () => {
      const b = await backend.setup();
      cleanup = b.cleanup;
      databaseUrl = b.overrides.databaseUrl ?? null;
      t = await startTestServer(b.overrides);
      ingest = await newProjectKey(t, "default", "ingest");
    });
    afterAll(async () => {
      await t?.close();
      await cleanup?.();
    });
    const post = (path: string, body: unknown, key = ingest) => t.api("POST", path, { body, key });

    it("verifies and stores a chain uploaded in parts; repeats are duplicates; lists with verify status", async () => {
      const log = writeLog(7);
      try {
        const unknownKey = await post("/api/v1/receipts/batch", { receipts: log.receipts() });
        expect(unknownKey).toMatchObject({ status: 422, body: { error: { code: "receipt_invalid" } } });
        expect(unknownKey.body.error.message).toMatch(/unknown key/);
        expect((await post("/api/v1/receipts/keys", log.jwks())).body.registered).toBe(1);
        const rs = log.receipts();
        const first = await post("/api/v1/receipts/batch", {
          receipts: rs.slice(0, 4),
          chain_id: log.chainId(),
        });
        expect(first.body).toMatchObject({
          accepted: 4,
          duplicates: 0,
          chain: { id: log.chainId(), head_seq: 4 },
        });
        const rest = await post("/api/v1/receipts/batch", { receipts: rs.slice(2), chain_id: log.chainId() });
        expect(rest.body).toMatchObject({ accepted: 3, duplicates: 2, chain: { head_seq: 7, receipts: 7 } });
        // Without chain_id the server finds the predecessor by its hash.
        log.more(1);
        const eighth = await post("/api/v1/receipts/batch", { receipts: log.receipts().slice(7) });
        expect(eighth.body).toMatchObject({ accepted: 1, chain: { head_seq: 8 } });
        expect((await post("/api/v1/receipts/batch", { receipts: log.receipts() })).body).toMatchObject({
          accepted: 0,
          duplicates: 8,
        });

        const list = (await t.api("GET", `/api/v1/receipts?chain_id=${log.chainId()}&limit=5`)).body;
        expect(list.receipts).toHaveLength(5);
        expect(list.receipts[0]).toMatchObject({ actor_id: "agent-r", verification: { status: "verified" } });
        expect(list.next_cursor).not.toBeNull();
        const denied = (await t.api("GET", "/api/v1/receipts?outcome=deny")).body.receipts;
        expect(denied.length).toBe(4);
        const one = (await t.api("GET", `/api/v1/receipts/${rs[0].receipt_id}`)).body;
        expect(one.receipt).toEqual(rs[0]);
        const chains = (await t.api("GET", "/api/v1/receipts/chains")).body.chains;
        expect(chains.map((c: any) => [c.id, c.head_seq])).toContainEqual([log.chainId(), 8]);
        const verified = await t.api("POST", `/api/v1/receipts/chains/${log.chainId()}/verify`);
        expect(verified.body).toMatchObject({ ok: true, receipts: 8, last_seq: 8, problems: [] });
        expect(
          (await t.api("GET", `/api/v1/receipts/chains/${log.chainId()}`)).body.last_verification.ok,
        ).toBe(true);
        // Another project sees none of it.
        const other = await newProjectKey(t, `other-${backend.name}`);
        expect((await t.api("GET", "/api/v1/receipts", { key: other })).body.receipts).toEqual([]);
        expect((await t.api("GET", `/api/v1/receipts/chains/${log.chainId()}`, { key: other })).status).toBe(
          404,
        );
        expect((await t.api("GET", `/api/v1/receipts/${rs[0].receipt_id}`, { key: other })).status).toBe(404);
      } finally {
        await log.close();
        log.dir.remove();
      }
    });

    it("refuses an edited receipt, a gap, and a log rewritten after an upload, and records each refusal", async () => {
      const log = writeLog(5, "agent-t");
      try {
        await post("/api/v1/receipts/keys", log.jwks());
        const rs = log.receipts();
        const edited = structuredClone(rs);
        edited[2].intent.target = { id: "something else" };
        const bad = await post("/api/v1/receipts/batch", { receipts: edited });
        expect(bad).toMatchObject({ status: 422, body: { error: { code: "receipt_invalid" } } });
        expect(bad.body.error.message).toContain(`${rs[2].receipt_id} (seq 3`);
        const swapped = [rs[0], rs[2], rs[1]];
        expect((await post("/api/v1/receipts/batch", { receipts: swapped })).body.error.code).toBe(
          "chain_broken",
        );
        expect((await post("/api/v1/receipts/batch", { receipts: rs.slice(3) })).body.error.code).toBe(
          "chain_gap",
        );
        expect((await t.api("GET", `/api/v1/receipts/chains/${log.chainId()}`)).status).toBe(404);

        expect((await post("/api/v1/receipts/batch", { receipts: rs.slice(0, 3) })).status).toBe(200);
        // The owner of the key rewrites seq 3 onwards (re-signed, so each receipt verifies alone).
        const forged = writeLog(5, "agent-t");
        try {
          const lines = forged.lines();
          const swappedKeyLog = lines.map((l) => JSON.parse(l));
          await post("/api/v1/receipts/keys", forged.jwks());
          // A different chain (another first receipt): stored as a chain of its own, not a fork.
          expect((await post("/api/v1/receipts/batch", { receipts: swappedKeyLog.slice(0, 1) })).status).toBe(
            200,
          );
        } finally {
          await forged.close();
          forged.dir.remove();
        }
        // Edited after signing: the signature fails first.
        const tampered = structuredClone(rs.slice(3));
        tampered[0].chain.prev_hash = "f".repeat(64);
        expect((await post("/api/v1/receipts/batch", { receipts: tampered })).body.error.code).toBe(
          "receipt_invalid",
        );
        // The owner of the key rewrites the log from seq 3 on: every receipt is signed and chained again,
        // so the log verifies on its own; only the server's copy of seq 3 tells.
        await log.close();
        const paths = statePaths(log.dir.path);
        writeFileSync(
          paths.log,
          `${rs
            .slice(0, 2)
            .map((r) => JSON.stringify(r))
            .join("\n")}\n`,
        );
        rmSync(paths.head, { force: true });
        const rewriter = writeLog(0, "agent-t", log.dir.path);
        rewriter.more(3);
        await rewriter.close();
        const rewritten = log.receipts();
        expect(rewritten.map((r: any) => r.chain.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(rewritten[2].receipt_id).not.toBe(rs[2].receipt_id);
        const fork = await post("/api/v1/receipts/batch", {
          receipts: rewritten.slice(3),
          chain_id: log.chainId(),
        });
        expect(fork).toMatchObject({ status: 409, body: { error: { code: "chain_fork" } } });
        expect(fork.body.error.message).toContain("rewritten");
        // Sent whole, the rewritten seq 3 clashes with the stored one.
        const whole = await post("/api/v1/receipts/batch", { receipts: rewritten, chain_id: log.chainId() });
        expect(whole).toMatchObject({ status: 409, body: { error: { code: "chain_fork" } } });
        const rejections = (await t.api("GET", "/api/v1/receipts/rejections")).body.rejections;
        expect(rejections.map((r: any) => r.kind)).toEqual(
          expect.arrayContaining(["receipt_invalid", "chain_broken", "chain_gap", "chain_fork"]),
        );
        expect((await t.api("GET", `/api/v1/receipts/chains/${log.chainId()}`)).body.head_seq).toBe(3);
      } finally {
        await log.close();
        log.dir.remove();
      }
    });

    it("finds receipts edited or removed in the database when it verifies a stored chain again", async () => {
      const log = writeLog(4, "agent-db");
      try {
        await post("/api/v1/receipts/keys", log.jwks());
        expect((await post("/api/v1/receipts/batch", { receipts: log.receipts() })).status).toBe(200);
        const chain = log.chainId();
        const sql = async (text: string) => {
          if (databaseUrl) {
            const { default: pg } = await import("pg");
            const c = new pg.Client({ connectionString: databaseUrl });
            await c.connect();
            await c.query(text);
            await c.end();
          } else {
            const { default: Database } = await import("better-sqlite3");
            const db = new Database(`${t.dataDir}/trusera.sqlite`);
            db.exec(text);
            db.close();
          }
        };
        await sql(
          `UPDATE receipts SET body = replace(body, 'r-1', 'r-9') WHERE chain_id = '${chain}' AND seq = 2`,
        );
        const edited = (await t.api("POST", `/api/v1/receipts/chains/${chain}/verify`)).body;
        expect(edited.ok).toBe(false);
        expect(edited.problems.map((p: { kind: string }) => p.kind)).toContain("bad_signature");
        await sql(`DELETE FROM receipts WHERE chain_id = '${chain}' AND seq >= 2`);
        const cut = (await t.api("POST", `/api/v1/receipts/chains/${chain}/verify`)).body;
        expect(cut.problems.map((p: { kind: string }) => p.kind)).toContain("head_mismatch");
        const listed = (await t.api("GET", "/api/v1/receipts/chains")).body.chains.find(
          (c: { id: string }) => c.id === chain,
        );
        expect(listed.last_verification.ok).toBe(false);
      } finally {
        await log.close();
        log.dir.remove();
      }
    });

    it("refuses keys whose kid is not their thumbprint, and needs a key to upload", async () => {
      const log = writeLog(1);
      try {
        const jwks = log.jwks();
        const wrong = { keys: [{ ...jwks.keys[0]!, kid: "not-the-thumbprint" }] };
        expect((await post("/api/v1/receipts/keys", wrong)).status).toBe(400);
        expect(
          (await t.api("POST", "/api/v1/receipts/batch", { body: { receipts: log.receipts() }, key: null }))
            .status,
        ).toBe(401);
        expect((await t.api("GET", "/api/v1/receipts", { key: ingest })).status).toBe(403);
      } finally {
        await log.close();
        log.dir.remove();
      }
    });
  });
}
