// Issue 21: rule suggestions over 1,000,000 recorded receipts. The receipt log text is generated
// (receipt-shaped JCS-like lines from 200 runs: routine writes and network calls the policy denies,
// allowed reads, a few rare deletes outside the working tree and calls to new hosts), then parsed,
// reduced to history records and learned from, with the impact replay of every suggestion: what
// `transient-trace rules suggest` does after the log has verified (verification is measured by the
// receipts suite). Core is TypeScript only, so the learning module is bundled here with esbuild.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { row } from "../lib.mjs";

const COUNT = 1_000_000;
const TARGET_S = 10;

async function loadLearning() {
  // Inside the repository, so that the bundle's external imports (cedar-wasm, canonicalize) resolve.
  const cache = fileURLToPath(new URL("../../node_modules/.cache/", import.meta.url));
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, "bench-learning-"));
  const out = join(dir, "learning.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("../../packages/core/src/learning/index.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile: out,
    logLevel: "error",
    absWorkingDir: fileURLToPath(new URL("../../packages/core/", import.meta.url)),
  });
  return {
    mod: await import(pathToFileURL(out).href),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function receiptLine(i) {
  const run = `run-${i % 200}`;
  const t = new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();
  let cls;
  let target;
  let ctx = { cwd: "/work/app" };
  let outcome = "deny";
  const k = i % 10;
  if (i % 250_000 === 7) {
    cls = "delete";
    target = { binary: "rm", command: `rm -f /var/tmp/x${i}` };
    ctx.paths = [`/var/tmp/x${i}`];
    outcome = "allow";
  } else if (k < 4) {
    cls = "write_low";
    target = { binary: "touch", command: `touch build/f${i % 50}.o` };
    ctx.paths = [`/work/app/build/f${i % 50}.o`];
  } else if (k < 6) {
    cls = "network";
    target = { binary: "curl", command: `curl -s https://registry.npmjs.org/p${i % 20}` };
    ctx.hosts = ["registry.npmjs.org"];
  } else {
    cls = "read";
    target = { binary: "cat", command: `cat src/f${i % 100}.ts` };
    ctx = { ...ctx, paths: [`/work/app/src/f${i % 100}.ts`] };
    outcome = "allow";
  }
  return JSON.stringify({
    receipt_id: `TR-${i}`,
    occurred_at: t,
    correlation_id: `${run}/run:${i}`,
    metadata: { run_id: run },
    intent: {
      action: "shell_exec",
      action_class: cls,
      connector: "transient-trace/run",
      target,
      context: ctx,
    },
    decision: { outcome, reason_code: outcome === "allow" ? "rule:reads" : "default_deny" },
  });
}

export async function run() {
  const { mod, cleanup } = await loadLearning();
  try {
    const lines = new Array(COUNT);
    for (let i = 0; i < COUNT; i++) lines[i] = receiptLine(i);
    const text = lines.join("\n");
    lines.length = 0;
    const policy = {
      version: 1,
      defaultAction: "deny",
      rules: [
        { id: "reads", action: "allow", actionClasses: ["read"] },
        { id: "deletes", action: "allow", actionClasses: ["delete"] },
      ],
    };
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const history = [];
    for (const line of text.split("\n")) {
      const h = mod.historyRecord(JSON.parse(line));
      if (h) history.push(h);
    }
    const suggestions = await mod.suggestRules(history, policy, { home: "/root" });
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    // CPU time of this process: what the other processes of a shared machine inflate far less than wall time.
    const cpuSeconds = (used.user + used.system) / 1e6;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    return [
      row(
        "learning",
        `rules suggest over ${COUNT.toLocaleString("en-US")} receipts`,
        `${seconds.toFixed(2)} s`,
        {
          target: `< ${TARGET_S} s`,
          ok: seconds < TARGET_S,
          note: `${suggestions.length} suggestions (${suggestions.map((s) => `${s.kind} ${s.evidence.count}`).join(", ")}); parse + history + grouping + impact replay, after verification`,
        },
      ),
      row("learning", "  the same, CPU time of this process", `${cpuSeconds.toFixed(2)} s`, {
        target: `< ${TARGET_S} s`,
        ok: cpuSeconds < TARGET_S,
      }),
      row("learning", "memory (RSS growth, peak)", `${Math.round((peak - rssBefore) / 2 ** 20)} MiB`, {
        note: `the log text itself (${Math.round(text.length / 2 ** 20)} MiB) was in memory before`,
      }),
    ];
  } finally {
    cleanup();
  }
}
