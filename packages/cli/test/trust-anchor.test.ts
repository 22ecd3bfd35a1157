import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KeyStore, readPins, statePaths } from "@trusera/core";
import { tempDir } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, seed } from "./helpers.js";

/**
 * Issue 16 item 10: `receipts verify` must not believe keys/jwks.json inside the directory it
 * verifies. The attack: the whole log re-signed with a new key written into that file.
 */
const dirs: { remove(): void }[] = [];
const fresh = () => {
  const d = tempDir("tt-trust-");
  dirs.push(d);
  return d.path;
};
afterAll(() => {
  for (const d of dirs) d.remove();
});

let trustFile: string;
let env: Record<string, string>;
let victim: string;
let victimKid: string;
beforeAll(async () => {
  trustFile = join(fresh(), "cfg", "trusted-keys.json");
  process.env.TRANSIENT_TRACE_TRUST_FILE = trustFile; // the seeding writer pins here
  env = { TRANSIENT_TRACE_TRUST_FILE: trustFile, TRANSIENT_TRACE_TRUSTED_KEYS: "" };
  victim = fresh();
  await seed(victim, 6);
  victimKid = new KeyStore(statePaths(victim)).jwks().keys[0]!.kid;
});
afterAll(() => {
  delete process.env.TRANSIENT_TRACE_TRUST_FILE;
});

/** A copy of the victim's log rewritten and re-signed by an attacker with a key of their own. */
async function forged(): Promise<{ dir: string; attackerKid: string }> {
  const attacker = fresh();
  process.env.TRANSIENT_TRACE_TRUST_FILE = join(fresh(), "attacker-pins.json");
  await seed(attacker, 6); // on the attacker's machine: its pins are not the victim's
  process.env.TRANSIENT_TRACE_TRUST_FILE = trustFile;
  const dir = fresh();
  await seed(dir, 1); // a real state directory of the victim's, pinned by its writer
  const from = statePaths(attacker);
  const to = statePaths(dir);
  for (const f of ["log", "head", "jwks"] as const) copyFileSync(from[f], to[f]);
  return { dir, attackerKid: new KeyStore(from).jwks().keys[0]!.kid };
}

describe("receipts verify: the trust anchor", () => {
  it("the writer pins its key outside the state directory, 0600 in a 0700 directory", () => {
    expect(readPins(trustFile)).toContainEqual(expect.objectContaining({ kid: victimKid }));
    expect(statSync(trustFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(trustFile, "..")).mode & 0o777).toBe(0o700);
    const ok = run(["receipts", "verify"], victim, { env });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: 6 receipts, .* \(trusted via pin file /);
  });

  it("a log re-signed with a key written into keys/jwks.json fails as untrusted_key", async () => {
    const { dir, attackerKid } = await forged();
    const r = run(["receipts", "verify"], dir, { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/untrusted_key: TR-\d+ \(seq 1, line 1\): signed by key /);
    expect(r.stderr).toContain(attackerKid);
    const json = run(["receipts", "verify", "--json"], dir, { env });
    expect(JSON.parse(json.stdout).trust).toMatchObject({ anchored: true });
  });

  it("with no anchor it warns loudly and exits 4, even though the log is self-consistent", async () => {
    const { dir, attackerKid } = await forged();
    const none = { ...env, TRANSIENT_TRACE_TRUST_FILE: join(fresh(), "none.json") };
    const r = run(["receipts", "verify"], dir, { env: none });
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^ok: 6 receipts/);
    expect(r.stderr).toContain("WARNING: no trust anchor");
    expect(r.stderr).toContain(`--trust ${attackerKid}`);
    const json = run(["receipts", "verify", "--json"], dir, { env: none });
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout).trust).toEqual({ anchored: false, sources: [], kids: [] });
    // --trust and the environment are anchors too; the forged key is not among them.
    expect(run(["receipts", "verify", `--trust=${victimKid}`], dir, { env: none }).code).toBe(1);
    const trusted = { ...none, TRANSIENT_TRACE_TRUSTED_KEYS: victimKid };
    expect(run(["receipts", "verify"], victim, { env: trusted }).code).toBe(0);
    expect(run(["receipts", "verify"], dir, { env: trusted }).code).toBe(1);
  });

  it("a pin file inside the verified state directory is no anchor", () => {
    const inside = join(victim, "trusted-keys.json");
    writeFileSync(inside, readFileSync(trustFile));
    const r = run(["receipts", "verify"], victim, { env: { ...env, TRANSIENT_TRACE_TRUST_FILE: inside } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("lies inside the state directory");
  });

  it("a bundle is anchored by pins naming its keys, and a forged bundle is not", async () => {
    const out = join(fresh(), "bundle.json");
    expect(run(["receipts", "export", "--out", out], victim, { env }).code).toBe(0);
    const elsewhere = fresh();
    expect(run(["receipts", "verify", "--bundle", out], elsewhere, { env }).code).toBe(0);
    const { dir } = await forged();
    const forgedOut = join(fresh(), "forged.json");
    expect(run(["receipts", "export", "--out", forgedOut], dir, { env }).code).toBe(0);
    const pinsBefore = readPins(trustFile).length;
    const f = run(["receipts", "verify", "--bundle", forgedOut], elsewhere, { env: { ...env } });
    expect(readPins(trustFile).length).toBe(pinsBefore); // verification never pins
    expect(f.code).toBe(4);
    expect(
      run(["receipts", "verify", "--bundle", forgedOut, `--trust=${victimKid}`], elsewhere, { env }).code,
    ).toBe(1);
    expect(existsSync(statePaths(elsewhere).keysDir)).toBe(false);
  });
});
