import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  KeyStore,
  parseReceipts,
  ReceiptLog,
  ReceiptWriter,
  readReceiptLog,
  statePaths,
  verifyLogText,
} from "@trusera/core";
import { tempDir, waitFor } from "@trusera/testing";
import { afterEach, describe, expect, it } from "vitest";
import { testBody } from "./fixtures/receipt-body.js";

const WRITER = fileURLToPath(new URL("./fixtures/append-writer.ts", import.meta.url));
const dirs: { remove(): void }[] = [];
function stateDir(): string {
  const d = tempDir("tt-log-");
  dirs.push(d);
  return d.path;
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

function verify(dir: string) {
  const paths = statePaths(dir);
  const { text, head } = readReceiptLog(paths);
  return verifyLogText(text, new KeyStore(paths).lookup(), { text: head });
}

function runWriter(dir: string, count: string) {
  return spawn(process.execPath, ["--import", "tsx", WRITER, dir, count], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

const lineCount = (dir: string) => {
  const p = statePaths(dir).log;
  return existsSync(p) ? readFileSync(p, "utf8").split("\n").length - 1 : 0;
};

describe("receipt log", () => {
  it("chains and signs every receipt; the key is made on first use with a private file only its owner reads", () => {
    const dir = stateDir();
    const writer = new ReceiptWriter(dir);
    const sealed = [0, 1, 2, 3, 4].map((n) => writer.record(testBody(n)));
    expect(sealed.map((r) => r.chain.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(sealed[0]!.chain.prev_hash).toBe("0".repeat(64));
    const report = verify(dir);
    expect(report).toMatchObject({ ok: true, receipts: 5, lastSeq: 5, problems: [], incomplete: [] });
    const paths = statePaths(dir);
    const kid = sealed[0]!.signature.kid;
    expect(statSync(`${paths.keysDir}/${kid}.pem`).mode & 0o777).toBe(0o600);
    expect(statSync(paths.keysDir).mode & 0o777).toBe(0o700);
    const jwks = JSON.parse(readFileSync(paths.jwks, "utf8"));
    expect(jwks.keys).toEqual([
      expect.objectContaining({ kid, kty: "OKP", crv: "Ed25519", status: "active" }),
    ]);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
  });

  it("keeps one chain when two writers in one process interleave", () => {
    const dir = stateDir();
    const a = new ReceiptWriter(dir);
    const b = new ReceiptWriter(dir);
    for (let i = 0; i < 6; i++) (i % 2 ? a : b).record(testBody(i));
    expect(verify(dir)).toMatchObject({ ok: true, receipts: 6 });
  });

  it("keeps one chain when several processes append at once", async () => {
    const dir = stateDir();
    new KeyStore(statePaths(dir)).signingKey();
    const procs = [0, 1, 2].map(() => runWriter(dir, "40"));
    await Promise.all(procs.map((p) => new Promise((r) => p.on("exit", r))));
    expect(procs.map((p) => p.exitCode)).toEqual([0, 0, 0]);
    expect(verify(dir)).toMatchObject({ ok: true, receipts: 120, problems: [] });
  });

  it("survives writers killed mid-write: earlier receipts stay valid and the next writer chains on", async () => {
    const dir = stateDir();
    for (let round = 0; round < 4; round++) {
      const before = lineCount(dir);
      const child = runWriter(dir, "forever");
      await waitFor(() => lineCount(dir) > before + 150, { timeoutMs: 20_000, what: "writer progress" });
      child.kill("SIGKILL");
      await new Promise((r) => child.on("exit", r));
      const report = verify(dir);
      expect(report.problems, JSON.stringify(report.problems)).toEqual([]);
      expect(report.ok).toBe(true);
    }
    const writer = new ReceiptWriter(dir);
    writer.record(testBody(1));
    await writer.close();
    const final = verify(dir);
    expect(final.ok).toBe(true);
    expect(final.receipts).toBeGreaterThan(600);
  });

  it("reports a torn last line, verifies the earlier receipts, and chains the next receipt across it", () => {
    const dir = stateDir();
    const writer = new ReceiptWriter(dir);
    for (let i = 0; i < 3; i++) writer.record(testBody(i));
    const paths = statePaths(dir);
    const full = readFileSync(paths.log, "utf8").split("\n")[2]!;
    appendFileSync(paths.log, full.slice(0, full.length >> 1)); // a write cut short
    const torn = verify(dir);
    expect(torn.ok).toBe(true);
    expect(torn.receipts).toBe(3);
    expect(torn.incomplete).toHaveLength(1);
    expect(torn.incomplete[0]!.message).toMatch(/line 4: not a complete receipt/);

    const next = new ReceiptWriter(dir).record(testBody(9));
    expect(next.chain.seq).toBe(4);
    const after = verify(dir);
    expect(after).toMatchObject({ ok: true, receipts: 4 });
    expect(after.incomplete[0]!.line).toBe(4);
    expect(parseReceipts(readFileSync(paths.log, "utf8")).map((r) => r.chain.seq)).toEqual([1, 2, 3, 4]);
  });

  it("breaks the lock of a writer that died holding it", async () => {
    const dir = stateDir();
    const writer = new ReceiptWriter(dir);
    writer.record(testBody(0));
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => dead.on("exit", r));
    symlinkSync(String(dead.pid), statePaths(dir).logLock);
    const started = Date.now();
    writer.record(testBody(1));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(verify(dir)).toMatchObject({ ok: true, receipts: 2 });
  });

  it("notices a head checkpoint that is missing", () => {
    const dir = stateDir();
    const log = ReceiptLog.open(statePaths(dir), new KeyStore(statePaths(dir)).signingKey());
    log.append(testBody(0));
    log.close();
    writeFileSync(statePaths(dir).head, "");
    expect(verify(dir).problems[0]!.kind).toBe("head_missing");
  });
});
