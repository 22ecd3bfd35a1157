import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", cli: "src/cli.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" }, resolve: ["@trusera/core"] },
  noExternal: ["@trusera/core"],
  target: "node20",
  platform: "node",
  sourcemap: true,
  clean: true,
  splitting: true,
});
