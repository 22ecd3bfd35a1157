#!/usr/bin/env node
// `npm run pack`: builds trusera-sdk, trusera-server and transient-trace and writes their `npm pack`
// tarballs to one directory, for use outside this repository: `npm install <tarball>` on any machine
// with Node >= 20 and access to the npm registry (for their third-party dependencies). @trusera/core
// is bundled into each package by tsup (noExternal), so no tarball needs this repository.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGES = ["sdk", "server", "cli"];
const USAGE = `Usage: node scripts/pack.mjs [--out DIR] [--no-build]

Builds trusera-sdk, trusera-server and transient-trace, then writes their npm pack tarballs to DIR
(default: ./packed). Install them elsewhere with npm install <tarball>...; see docs/operations.md.

  --out DIR    Where the tarballs go (created if missing)
  --no-build   Pack the dist/ directories as they are
  -h, --help   Show this help
`;

function parseArgs(argv) {
  const o = { out: join(root, "packed"), build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (a === "--no-build") o.build = false;
    else if (a === "--out" && argv[i + 1]) o.out = resolve(argv[++i]);
    else {
      process.stderr.write(`pack: unknown argument "${a}"\n${USAGE}`);
      process.exit(2);
    }
  }
  return o;
}

/** Every file a package.json points at (exports, main, bin): a tarball without one would not load. */
function entryFiles(pkg) {
  const out = new Set();
  const walk = (v) => {
    if (typeof v === "string") {
      if (v.startsWith("./")) out.add(v.slice(2));
    } else if (v && typeof v === "object") for (const x of Object.values(v)) walk(x);
  };
  walk(pkg.exports);
  walk(pkg.bin);
  if (pkg.main) out.add(pkg.main.replace(/^\.\//, ""));
  return [...out].filter((f) => !f.includes("*"));
}

const opts = parseArgs(process.argv.slice(2));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const workspaces = PACKAGES.flatMap((p) => ["-w", `packages/${p}`]);
if (opts.build)
  execFileSync(npm, ["run", "build", "--silent", ...workspaces], { cwd: root, stdio: "inherit" });
mkdirSync(opts.out, { recursive: true });
const report = JSON.parse(
  execFileSync(npm, ["pack", "--json", "--pack-destination", opts.out, ...workspaces], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }),
);
let failed = false;
for (const [i, packed] of report.entries()) {
  const pkg = JSON.parse(readFileSync(join(root, "packages", PACKAGES[i], "package.json"), "utf8"));
  const files = new Set(packed.files.map((f) => f.path));
  const missing = entryFiles(pkg).filter((f) => !files.has(f));
  if (missing.length > 0) {
    failed = true;
    process.stderr.write(`pack: ${packed.filename} lacks ${missing.join(", ")} (an incomplete build?)\n`);
  }
  process.stdout.write(`${join(opts.out, packed.filename)}  (${(packed.size / 1024).toFixed(0)} KiB)\n`);
}
if (failed) process.exit(1);
const [sdk, server, cli] = report.map((r) => join(opts.out, r.filename));
process.stdout.write(
  "\nInstall elsewhere (transient-trace needs the trusera-sdk tarball in the same command):\n" +
    `  npm install ${sdk}\n` +
    `  npm install ${server} && npx trusera-server start\n` +
    `  npm install ${sdk} ${cli}\n`,
);
