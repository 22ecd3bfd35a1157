import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    receipts: "src/receipts.ts",
    cli: "src/cli.ts",
    "verify-worker": "src/verify/verify-worker.ts",
  },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts", receipts: "src/receipts.ts" }, resolve: ["@trusera/core"] },
  // @trusera/core is internal: bundled in, so the published package depends on nothing of ours.
  noExternal: ["@trusera/core"],
  target: "node20",
  platform: "node",
  sourcemap: true,
  clean: true,
  splitting: true,
});
