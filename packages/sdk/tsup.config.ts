import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", cedar: "src/cedar/index.ts" },
  format: ["esm", "cjs"],
  dts: { resolve: ["@trusera/core"] },
  // @trusera/core is internal: it is bundled in, so the published package depends on nothing of ours.
  noExternal: ["@trusera/core"],
  target: "node20",
  platform: "node",
  // import.meta.url in the CommonJS build: optional libraries are resolved from this package too.
  shims: true,
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
});
