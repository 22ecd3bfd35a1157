import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Loopback, startLoopback, testCertificate } from "./support/loopback.js";

// The built packages (dist/index.js and dist/index.cjs), loaded by real ESM and CommonJS applications
// in child processes, against loopback HTTP and HTTPS servers; the child trusts the test certificate
// through NODE_EXTRA_CA_CERTS, as an application would trust a corporate CA.

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dist = fileURLToPath(new URL("../dist/", import.meta.url));

let plain: Loopback;
let tls: Loopback;
let cert: ReturnType<typeof testCertificate>;

beforeAll(async () => {
  cert = testCertificate();
  plain = await startLoopback();
  tls = await startLoopback(cert);
});

afterAll(async () => {
  await plain.close();
  await tls.close();
  cert.remove();
});

function runFixture(name: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture(name)], {
      env: {
        ...process.env,
        TARGET_HTTP: plain.url,
        TARGET_HTTPS: tls.url,
        NODE_EXTRA_CA_CERTS: cert.certPath,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${name} exited ${code}:\n${err}`));
      else resolve(JSON.parse(out));
    });
  });
}

const BLOCKED = { error: "PolicyViolationError", code: "TRUSERA_POLICY_VIOLATION" };

describe.each([
  ["built-esm.mjs", "index.js"],
  ["built-cjs.cjs", "index.cjs"],
])("%s", (name, entry) => {
  it(`loads dist/${entry} and covers every library over HTTP and HTTPS in block mode`, async () => {
    expect(existsSync(`${dist}${entry}`)).toBe(true);
    const before = { plain: plain.seen.length, tls: tls.seen.length };
    const report = await runFixture(name);
    expect(report.entry).toMatch(new RegExp(`dist/${entry.replace(".", "\\.")}$`));
    expect(report.hooks).toMatchObject({
      fetch: true,
      undiciGlobalDispatcher: true,
      http: true,
      https: true,
    });
    expect(report.hooks.axios).toBeGreaterThanOrEqual(1);
    for (const scheme of ["http", "https"]) {
      const r = report.results[scheme];
      for (const lib of [
        "fetch",
        "undici.request",
        "axios",
        "axios.create early",
        "axios.create late",
        `${scheme}.request`,
      ]) {
        expect(r[`${lib} ok`], `${scheme} ${lib} ok`).toEqual({ status: 200 });
        expect(r[`${lib} evil`], `${scheme} ${lib} evil`).toMatchObject(BLOCKED);
      }
      expect(r["undici.fetch ok"]).toEqual({ status: 200 });
      expect(r["undici.fetch evil"]).toMatchObject({ error: "TypeError", cause: "PolicyViolationError" });
    }
    // Blocked calls never left the process; allowed ones arrived once each.
    const seen = [...plain.seen.slice(before.plain), ...tls.seen.slice(before.tls)].map((s) => s.path);
    expect(seen.filter((p) => p.startsWith("/evil"))).toEqual([]);
    expect(seen).toHaveLength(14);
    // One api_call per call (28), one policy_violation per blocked call (14), each attributed.
    const calls = report.events.filter((e: { type: string }) => e.type === "api_call");
    expect(calls).toHaveLength(28);
    expect(report.events.filter((e: { type: string }) => e.type === "policy_violation")).toHaveLength(14);
    const libs = (part: string) =>
      calls.filter((e: { name: string }) => e.name.includes(part)).map((e: { library: string }) => e.library);
    expect(libs("-fetch")).toEqual(["fetch", "fetch", "fetch", "fetch"]);
    expect(libs("-undici")).toEqual(["undici", "undici", "undici", "undici"]);
    expect(libs("-axios")).toEqual(["axios", "axios", "axios", "axios"]);
    expect(libs("-early")).toEqual(["axios", "axios", "axios", "axios"]);
    expect(libs("-late")).toEqual(["axios", "axios", "axios", "axios"]);
    expect(libs("-node")).toEqual(["http", "http", "http", "http"]);
    expect(report.restored).toBe(true);
  });
});

describe("ESM application using axios before ready()", () => {
  it("is still decided and blocked, by node:http (axios wraps the error); after ready() by axios", async () => {
    const report = await runFixture("esm-axios-before-ready.mjs");
    expect(report.before).toEqual({ axiosError: true, cause: "PolicyViolationError" });
    expect(report.after).toEqual({ axiosError: false, name: "PolicyViolationError" });
    expect(report.events).toEqual([
      "api_call http",
      "policy_violation http",
      "api_call axios",
      "policy_violation axios",
    ]);
    expect(plain.paths().filter((p) => p.includes("ready"))).toEqual([]);
  });
});
