// A newcomer's first minutes, for CI: clone this repository's HEAD into a temporary directory, run
// `npm ci` once, and run every `npx trusera-server ...` and `npx transient-trace ...` line of the README
// as `npx --no-install <bin> <command> --help` (the command's own help: nothing starts, nothing is
// written), offline, so that npx can never fetch a same-named package from the registry. Takes a few
// minutes (npm ci builds every package), so it is not part of `npm test`.
//
//   node scripts/check-fresh-clone.mjs          clone, npm ci, check
//   node scripts/check-fresh-clone.mjs --here   check this checkout as it is (after npm install)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const here = process.argv.includes("--here");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";

/** `[bin, ...command words]` of each README line that runs one of our bins through npx. */
function readmeCommands() {
  const seen = new Map();
  for (const m of readFileSync(join(root, "README.md"), "utf8").matchAll(
    /npx (trusera-server|transient-trace)([^\n`#|]*)/g,
  )) {
    const words = [];
    for (const token of m[2].trim().split(/\s+/)) {
      if (words.length === 2 || !/^[a-z][a-z-]*$/.test(token)) break;
      words.push(token);
    }
    const command = [m[1], ...words];
    seen.set(command.join(" "), command);
  }
  return [...seen.values()];
}

let dir = root;
let temp = null;
if (!here) {
  temp = mkdtempSync(join(tmpdir(), "trusera-fresh-clone-"));
  dir = join(temp, "repo");
  console.log(`check-fresh-clone: cloning HEAD into ${dir}`);
  execFileSync("git", ["clone", "--quiet", "--no-hardlinks", root, dir], { stdio: "inherit" });
  console.log("check-fresh-clone: npm ci (builds every package through prepare)");
  const ci = spawnSync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    stdio: "inherit",
  });
  if (ci.status !== 0) {
    console.error(`check-fresh-clone: npm ci failed (exit ${ci.status})`);
    process.exit(1);
  }
}

const commands = readmeCommands();
let failed = 0;
for (const [bin, ...words] of commands) {
  const r = spawnSync(npx, ["--no-install", bin, ...words, "--help"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, npm_config_offline: "true" },
  });
  const ok = r.status === 0 && r.stdout.length > 0;
  if (!ok) failed++;
  console.log(
    `${ok ? "ok  " : "FAIL"} npx ${[bin, ...words].join(" ")} --help${ok ? "" : `: exit ${r.status}\n${r.stderr}`}`,
  );
}
if (temp) rmSync(temp, { recursive: true, force: true });
if (commands.length === 0) {
  console.error("check-fresh-clone: no npx line found in README.md");
  process.exit(1);
}
console.log(`check-fresh-clone: ${commands.length - failed} of ${commands.length} README commands run`);
process.exit(failed === 0 ? 0 : 1);
