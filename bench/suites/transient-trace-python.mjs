// The Python transient_trace (python/transient-trace) beside the TypeScript SDK in the same run:
// sealing a receipt, a whole governed action, a decision, and verifying a log. No target: the rows
// show what a Python agent pays relative to a Node one on this machine. The Python side runs
// bench/python/transient_trace_bench.py in its own virtualenv (.cache/transient-trace-bench-venv).
import { execFileSync } from "node:child_process";
import { sign } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client_init } from "transient-trace";
import { canonicalJson, Governor, ReceiptWriter, statePaths, verifyStateDir } from "transient-trace/receipts";
import { fmtNs, fmtRate, median, row, sampleSync } from "../lib.mjs";
import { receiptBody } from "./receipts.mjs";

const S = "transient-trace-python";
const root = fileURLToPath(new URL("../../", import.meta.url));
const venv = join(root, ".cache", "transient-trace-bench-venv");
const py = join(venv, "bin", "python");

function pythonSide() {
  const pip = ["-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-input"];
  if (!existsSync(py)) {
    execFileSync(process.env.TRUSERA_TEST_PYTHON ?? "python3", ["-m", "venv", venv], { stdio: "inherit" });
    execFileSync(py, [...pip, "./python/transient-trace"], { cwd: root, stdio: "inherit" });
  } else {
    execFileSync(py, [...pip, "--no-deps", "--force-reinstall", "./python/transient-trace"], {
      cwd: root,
      stdio: "inherit",
    });
  }
  const out = execFileSync(py, [join(root, "bench", "python", "transient_trace_bench.py"), "20"], {
    encoding: "utf8",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  return JSON.parse(out);
}

const body = (n) => receiptBody(n, "2026-12-07T00:00:00.000000Z");

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), "tt-bench-ts-"));
  const trust = { TRANSIENT_TRACE_TRUST_FILE: process.env.TRANSIENT_TRACE_TRUST_FILE };
  process.env.TRANSIENT_TRACE_TRUST_FILE = join(dir, "trust.json");
  try {
    const p = pythonSide();
    const opts = { blocks: 20, perBlock: 100, warmup: 200 };
    const writer = new ReceiptWriter(join(dir, "w"));
    const key = writer.keys.signingKey();
    const one = body(0);
    const bytes = Buffer.from(canonicalJson(one));
    const rawSign = median(sampleSync(() => sign(null, bytes, key.privateKey), opts));
    const jcs = median(sampleSync(() => canonicalJson(one), opts));
    const append = median(sampleSync(() => writer.record(one), opts));
    await writer.close();
    const policy = {
      version: 1,
      defaultAction: "deny",
      rules: [{ id: "reads", action: "allow", actionClasses: ["read", "write_low"] }],
    };
    const governor = await Governor.create({ policy, mode: "strict" });
    const act = { kind: "action", action: "execute", target: "resource-1", actionClass: "read" };
    const decide = median(sampleSync(() => governor.decide("bench-agent", act), opts));
    const client = Client_init({ agentId: "bench-agent", policy, stateDir: join(dir, "c") });
    await client.ready();
    const samples = [];
    for (let i = 0; i < 200; i++)
      await client.executeActionWithReceipt(() => i, { target: "resource-1", action_class: "read" });
    for (let b = 0; b < 20; b++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 100; i++)
        await client.executeActionWithReceipt(() => i, { target: "resource-1", action_class: "read" });
      samples.push(Number(process.hrtime.bigint() - t) / 100);
    }
    const execute = median(samples);
    await client.close();
    const paths = statePaths(join(dir, "w"));
    const t = process.hrtime.bigint();
    const report = await verifyStateDir(paths, { jobs: 1 });
    const verifyNs = Number(process.hrtime.bigint() - t);
    if (!report.ok) throw new Error("bench log did not verify");

    const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
    const pyRate = (p.verify_receipts / p.verify_ns) * 1e9;
    const tsRate = (report.receipts / verifyNs) * 1e9;
    return [
      row(S, `Python ${p.python}: sign + append, median per receipt`, fmtNs(p.append), {
        baseline: `TypeScript ${fmtNs(append)}`,
        target: "(reported)",
        note: `Python / TypeScript ${ratio(p.append, append)}. Floors: raw Ed25519 sign Python ${fmtNs(p.raw_sign)}, node ${fmtNs(rawSign)}; JCS Python ${fmtNs(p.jcs)}, node ${fmtNs(jcs)}. Both take the same lock (a symlink) and write the same bytes.`,
      }),
      row(S, "Python: executeActionWithReceipt (decide + run + seal), median", fmtNs(p.execute), {
        baseline: `TypeScript ${fmtNs(execute)}`,
        target: "(reported)",
      }),
      row(S, "Python: Governor.decide (agent action), median", fmtNs(p.decide), {
        baseline: `TypeScript ${fmtNs(decide)}`,
        target: "(reported)",
        note: "Python: cedarpy (the Rust engine) with the request passed as dicts; TypeScript: the policy set compiled to JS closures (packages/core/src/cedar/compiled/), cedar-wasm for what it cannot compile.",
      }),
      row(S, "Python: verify a log, 1 thread", fmtRate(pyRate), {
        baseline: `TypeScript ${fmtRate(tsRate)}`,
        target: "(reported)",
        note: `raw Ed25519 verify: Python ${fmtRate(1e9 / p.raw_verify)}`,
      }),
    ];
  } finally {
    if (trust.TRANSIENT_TRACE_TRUST_FILE === undefined) delete process.env.TRANSIENT_TRACE_TRUST_FILE;
    else process.env.TRANSIENT_TRACE_TRUST_FILE = trust.TRANSIENT_TRACE_TRUST_FILE;
    rmSync(dir, { recursive: true, force: true });
  }
}
