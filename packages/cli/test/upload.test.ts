import { readFileSync, writeFileSync } from "node:fs";
import { sha256Hex, statePaths } from "@trusera/core";
import { type ServerProcess, startServerProcess, tempDir } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client_init } from "../src/index.js";
import { uploadSink } from "../src/receipts.js";
import { POLICY, run, seed } from "./helpers.js";

/** `transient-trace receipts upload` against a real trusera-server process. */
describe("receipts upload (end to end)", () => {
  let server: ServerProcess;
  let ingestKey: string;
  beforeAll(async () => {
    server = await startServerProcess();
    const made = await server.api("POST", "/api/v1/keys", { role: "ingest", label: "receipts" });
    ingestKey = made.body.key;
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("sends what the server lacks, again only the new part, and the server verifies the chain", async () => {
    const state = tempDir("tt-upload-");
    try {
      await seed(state.path, 12);
      const env = { TRUSERA_API_URL: server.url, TRUSERA_API_KEY: ingestKey };
      const first = run(["receipts", "upload", "--json"], state.path, { env });
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      const r1 = JSON.parse(first.stdout);
      expect(r1).toMatchObject({ version: 1, uploaded: 12, already_there: 0, head_seq: 12 });
      expect(r1.chain).toMatch(/^[0-9a-f]{64}$/);

      await seed(state.path, 3);
      const second = run(["receipts", "upload"], state.path, { env });
      expect(second.code).toBe(0);
      expect(second.stderr).toContain("Uploaded 3 receipt(s)");
      expect(second.stderr).toContain("12 already there");

      const list = await server.api("GET", `/api/v1/receipts?chain_id=${r1.chain}&limit=100`);
      expect(list.body.receipts).toHaveLength(15);
      expect(list.body.receipts.filter((r: any) => r.outcome === "deny")).toHaveLength(2);
      const verify = await server.api("POST", `/api/v1/receipts/chains/${r1.chain}/verify`);
      expect(verify.body).toMatchObject({ ok: true, receipts: 15, last_seq: 15 });
      const again = run(["receipts", "upload", "--json"], state.path, { env });
      expect(JSON.parse(again.stdout)).toMatchObject({ uploaded: 0, already_there: 15 });
    } finally {
      state.remove();
    }
  });

  it("fails loudly when the log was rewritten or cut after an upload (issue 16 item 9)", async () => {
    const state = tempDir("tt-upload-");
    try {
      await seed(state.path, 10);
      const env = { TRUSERA_API_URL: server.url, TRUSERA_API_KEY: ingestKey };
      expect(run(["receipts", "upload"], state.path, { env }).code).toBe(0);
      const paths = statePaths(state.path);
      const original = readFileSync(paths.log, "utf8");
      const lines = original.split("\n").filter(Boolean);
      // Cut: the last three receipts removed (and the head copy rolled back with them).
      writeFileSync(paths.log, `${lines.slice(0, 7).join("\n")}\n`);
      writeFileSync(paths.head, `${lines[6]}\n`);
      const cut = run(["receipts", "upload"], state.path, { env });
      expect(cut.code).toBe(1);
      expect(cut.stderr).toContain("DIVERGES");
      expect(cut.stderr).toContain("holds this chain up to seq 10, but the local log ends at seq 7");
      // Rewritten: from seq 5 on, other receipts, re-signed with the right key (the same first line,
      // so the same chain id, and as many receipts as the server holds).
      writeFileSync(paths.log, `${lines.slice(0, 4).join("\n")}\n`);
      writeFileSync(paths.head, `${lines[3]}\n`);
      await seed(state.path, 6);
      const rewritten = run(["receipts", "upload", "--json"], state.path, { env });
      expect(rewritten.code).toBe(1);
      expect(rewritten.stdout).toBe("");
      expect(rewritten.stderr).toMatch(/DIVERGES from the server's copy: TR-\d+ \(seq 10\) differs/);
      expect(rewritten.stderr).not.toContain("already there");
      const chain = sha256Hex(lines[0]!);
      const stored = await server.api("GET", `/api/v1/receipts/chains/${chain}`);
      expect(stored.body.head_seq).toBe(10);
    } finally {
      state.remove();
    }
  });

  it("says what is missing, and fails with the server's reason", async () => {
    const state = tempDir("tt-upload-");
    try {
      await seed(state.path, 2);
      const noUrl = run(["receipts", "upload"], state.path, {
        env: { TRUSERA_API_URL: "", TRUSERA_API_KEY: "" },
      });
      expect(noUrl.code).toBe(2);
      expect(noUrl.stderr).toContain("TRUSERA_API_URL");
      const badKey = run(["receipts", "upload"], state.path, {
        env: { TRUSERA_API_URL: server.url, TRUSERA_API_KEY: "tsk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
      });
      expect(badKey.code).toBe(1);
      expect(badKey.stderr).toContain("401 unauthorized");
    } finally {
      state.remove();
    }
  });
});

describe("uploadSink (SDK)", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("uploads what the client seals, in the background and on close", async () => {
    const state = tempDir("tt-sink-");
    const errors: unknown[] = [];
    try {
      const client = Client_init({
        agentId: "sink-agent",
        policy: POLICY,
        stateDir: state.path,
        sinks: [
          uploadSink({
            stateDir: state.path,
            target: { url: server.url, apiKey: server.apiKey },
            delayMs: 50,
            onError: (e) => errors.push(e),
          }),
        ],
      });
      for (let i = 0; i < 4; i++) {
        await client.executeActionWithReceipt(() => i, { target: `r-${i}`, action_class: "read" });
      }
      await expect(
        client.executeActionWithReceipt(() => 0, { target: "x", action_class: "delete" }),
      ).rejects.toThrow(/Denied/);
      await client.close();
      expect(errors).toEqual([]);
      const list = await server.api("GET", "/api/v1/receipts?actor_id=sink-agent");
      expect(list.body.receipts).toHaveLength(5);
      expect(list.body.receipts[0]).toMatchObject({ outcome: "deny", execution_status: "blocked" });
    } finally {
      state.remove();
    }
  });
});
