#!/usr/bin/env node
// Checks a built package against its `exports` map: every target file exists, and the ESM and
// CommonJS entry points of each subpath load and export the same names. Run after a build.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dir = resolve(process.argv[2] ?? ".");
const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const require = createRequire(join(dir, "package.json"));
const problems = [];

function targets(entry, path = []) {
  if (typeof entry === "string") return [[path, entry]];
  return Object.entries(entry).flatMap(([k, v]) => targets(v, [...path, k]));
}

for (const [subpath, entry] of Object.entries(pkg.exports ?? {})) {
  for (const [conditions, target] of targets(entry)) {
    if (!existsSync(join(dir, target)))
      problems.push(`${subpath} [${conditions.join(".")}] -> ${target}: missing`);
  }
  if (subpath === "./package.json" || typeof entry === "string") continue;
  const esm = entry.import?.default ?? entry.import;
  const cjs = entry.require?.default ?? entry.require;
  if (typeof esm !== "string" || typeof cjs !== "string") continue;
  const esmNames = Object.keys(await import(pathToFileURL(join(dir, esm)).href)).sort();
  const cjsNames = Object.keys(require(join(dir, cjs)))
    .filter((n) => n !== "__esModule")
    .sort();
  if (esmNames.join() !== cjsNames.join()) {
    problems.push(`${subpath}: ESM exports [${esmNames}] differ from CommonJS exports [${cjsNames}]`);
  }
}

if (problems.length > 0) {
  console.error(`${pkg.name}: exports map check failed:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
