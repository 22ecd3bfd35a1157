#!/usr/bin/env node
// Runs the benchmark suites in bench/suites/ (all, or those named on the command line) against the
// built packages and prints one table. `npm run bench` builds first. `--json FILE` also writes the rows.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// Suites make keys and clients: their trust pins and spooled batches go to a scratch directory, never
// into the user's ~/.config/transient-trace/trusted-keys.json or ~/.trusera/spool (as in vitest.config.ts).
const scratch = mkdtempSync(join(tmpdir(), "trusera-bench-"));
process.env.TRANSIENT_TRACE_TRUST_FILE ??= join(scratch, "trusted-keys.json");
process.env.TRUSERA_SPOOL_DIR ??= join(scratch, "spool");
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

const dir = fileURLToPath(new URL("./suites/", import.meta.url));
const args = process.argv.slice(2);
const jsonAt = args.indexOf("--json");
const jsonFile = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
const wanted = new Set(args);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".mjs"))
  .sort()
  .filter((f) => wanted.size === 0 || wanted.has(f.replace(/\.mjs$/, "")));

console.error(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`);
const rows = [];
for (const file of files) {
  const suite = await import(pathToFileURL(`${dir}${file}`).href);
  console.error(`running ${file} ...`);
  try {
    rows.push(...(await suite.run()));
  } catch (err) {
    rows.push({
      suite: file,
      name: "FAILED",
      value: String(err?.stack ?? err),
      baseline: "",
      target: "",
      ok: false,
      note: "",
    });
  }
}

const head = ["suite", "measure", "value", "baseline", "target", "met"];
const table = rows.map((r) => [
  r.suite,
  r.name,
  r.value,
  r.baseline,
  r.target,
  r.ok === undefined ? "" : r.ok ? "yes" : "NO",
]);
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => String(t[i]).length)));
const line = (cells) =>
  cells
    .map((c, i) => String(c).padEnd(widths[i]))
    .join("  ")
    .trimEnd();
console.log(line(head));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const t of table) console.log(line(t));
for (const r of rows.filter((r) => r.note)) console.log(`\n${r.suite} / ${r.name}: ${r.note}`);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify(rows, null, 2));
