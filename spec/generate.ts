/**
 * Writes spec/vectors/*.json: the hand-written inputs in spec/cases/ with the outputs the TypeScript
 * implementation gives for them. Run after changing an input or the behaviour it pins:
 *
 *   npx tsx spec/generate.ts          (write, then format with Biome as `npm run lint` expects)
 *   npx tsx spec/generate.ts --check  (exit 1 when a committed file holds other data)
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { buildVectorFiles } from "./cases/index.js";

const check = process.argv.includes("--check");
const written: string[] = [];
let stale = 0;
for (const [file, value] of Object.entries(await buildVectorFiles())) {
  const path = fileURLToPath(new URL(`./vectors/${file}`, import.meta.url));
  const data = JSON.parse(JSON.stringify(value));
  let old: unknown;
  try {
    old = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    old = undefined;
  }
  if (isDeepStrictEqual(old, data)) continue;
  if (check) {
    stale++;
    console.error(`spec/vectors/${file} is stale: run npx tsx spec/generate.ts`);
  } else {
    writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
    written.push(path);
    console.log(`wrote spec/vectors/${file}`);
  }
}
if (written.length > 0) {
  const biome = fileURLToPath(new URL("../node_modules/.bin/biome", import.meta.url));
  execFileSync(biome, ["format", "--write", ...written], { stdio: "ignore" });
}
process.exitCode = stale > 0 ? 1 : 0;
