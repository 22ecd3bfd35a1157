import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    cli: "src/cli.ts",
    // Loaded by path as worker threads (see store/sqlite/sqlite-store.ts), so entries of their own.
    "sqlite-writer": "src/store/sqlite/writer-thread.ts",
    "sqlite-checkpointer": "src/store/sqlite/checkpoint-thread.ts",
    "replay-thread": "src/policies/replay-thread.ts",
  },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" }, resolve: ["@trusera/core"] },
  noExternal: ["@trusera/core"],
  target: "node20",
  platform: "node",
  sourcemap: true,
  clean: true,
  splitting: true,
});
