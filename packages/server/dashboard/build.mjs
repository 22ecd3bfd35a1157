// Builds the dashboard: Preact + uPlot bundled by esbuild into dist/dashboard (index.html and
// assets/app.js, assets/app.css, assets/favicon.svg). Everything the page needs is in those files: no CDN, no network.
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here("../dist/dashboard/");
mkdirSync(`${out}assets`, { recursive: true });
await build({
  entryPoints: { app: here("./src/main.tsx") },
  outdir: `${out}assets`,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome110", "firefox110", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
});
copyFileSync(here("./index.html"), `${out}index.html`);
copyFileSync(here("./favicon.svg"), `${out}assets/favicon.svg`);
