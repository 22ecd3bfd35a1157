import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { Spool, spoolPartition } from "../src/client/spool.js";

const dirs: { remove(): void }[] = [];
const fresh = () => {
  const d = tempDir("spool-unit-");
  dirs.push(d);
  return join(d.path, "p");
};
afterAll(() => {
  for (const d of dirs) d.remove();
});
const ev = (i: number) => JSON.stringify({ id: `e${i}`, type: "tool_call", name: `n${i}` });

describe("Spool (files on disk)", () => {
  it("writes one 0600 file per batch in a 0700 directory, in the documented format", () => {
    const dir = fresh();
    const s = new Spool(dir, 1 << 20, 100);
    expect(s.write([ev(1), ev(2)], "k-1", 3)).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [name] = readdirSync(dir);
    expect(name).toMatch(/^\d{13}-\d{8}-\d+-[0-9a-f]{8}\.batch$/);
    expect(statSync(join(dir, name!)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(join(dir, name!), "utf8"));
    expect(file).toMatchObject({ version: 1, idempotency_key: "k-1", dropped: 3, count: 2 });
    expect(file.events.map((e: { id: string }) => e.id)).toEqual(["e1", "e2"]);
  });

  it("is bounded by files and bytes: a batch beyond the bound is refused, nothing is overwritten", () => {
    const dir = fresh();
    const byFiles = new Spool(dir, 1 << 20, 2);
    expect(byFiles.write([ev(1)], "a", 0)).toBe(true);
    expect(byFiles.write([ev(2)], "b", 0)).toBe(true);
    expect(byFiles.write([ev(3)], "c", 0)).toBe(false);
    expect(readdirSync(dir)).toHaveLength(2);
    const bySize = new Spool(fresh(), 300, 100);
    expect(bySize.write([ev(1)], "a", 0)).toBe(true);
    expect(
      bySize.write(
        Array.from({ length: 10 }, (_, i) => ev(i)),
        "b",
        0,
      ),
    ).toBe(false);
  });

  it("two clients sharing it take each batch once, oldest first; release puts one back", () => {
    const dir = fresh();
    const writer = new Spool(dir, 1 << 20, 100);
    for (let i = 0; i < 20; i++) writer.write([ev(i)], `k${i}`, 0);
    const a = new Spool(dir, 1 << 20, 100);
    const b = new Spool(dir, 1 << 20, 100);
    const taken: string[] = [];
    for (let i = 0; i < 25; i++) {
      const got = (i % 2 ? a : b).claim();
      if (got) taken.push(got.idempotencyKey);
    }
    expect(taken).toHaveLength(20);
    expect(new Set(taken).size).toBe(20);
    expect(a.claim()).toBeUndefined();
    // Held, not done: the files are claims now; releasing one makes it available again.
    const all = readdirSync(dir);
    expect(all.every((n) => n.includes(".claim-"))).toBe(true);
    a.releaseAll();
    b.releaseAll();
    const again = a.claim()!;
    expect(again.idempotencyKey).toBe("k0");
    again.done();
    expect(readdirSync(dir)).toHaveLength(19);
  });

  it("takes over the claim of a dead process, never that of a live one", () => {
    const dir = fresh();
    new Spool(dir, 1 << 20, 100).write([ev(1)], "k", 0);
    const [name] = readdirSync(dir);
    const deadPid = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    }).stdout;
    renameSync(join(dir, name!), join(dir, `${name}.claim-${process.ppid}-00000000`));
    const s = new Spool(dir, 1 << 20, 100);
    expect(s.claim()).toBeUndefined(); // the parent process lives
    renameSync(
      join(dir, `${name}.claim-${process.ppid}-00000000`),
      join(dir, `${name}.claim-${deadPid}-00000000`),
    );
    expect(s.claim()?.idempotencyKey).toBe("k");
  });

  it("sets an unreadable file aside instead of sending or deleting it", () => {
    const dir = fresh();
    const s = new Spool(dir, 1 << 20, 100);
    s.write([ev(1)], "k", 0);
    writeFileSync(join(dir, "0000000000001-00000000-1-aaaaaaaa.batch"), '{"torn":');
    expect(s.claim()?.idempotencyKey).toBe("k");
    expect(readdirSync(dir)).toContain("0000000000001-00000000-1-aaaaaaaa.batch.unreadable");
  });

  it("keeps one spool per server and key", () => {
    expect(spoolPartition("http://a/", "tsk_1")).not.toBe(spoolPartition("http://a/", "tsk_2"));
    expect(spoolPartition("http://a/", "tsk_1")).not.toBe(spoolPartition("http://b/", "tsk_1"));
    expect(spoolPartition("http://a/", "tsk_1")).toMatch(/^[0-9a-f]{32}$/);
  });
});
