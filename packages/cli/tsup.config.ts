import { defineConfig } from "tsup";

const common = {
  // @trusera/core is internal: bundled in, so the published package depends on nothing of ours.
  noExternal: ["@trusera/core"],
  target: "node20",
  platform: "node",
  // `npm run build` empties dist first; two configs cleaning at once would delete each other's output.
  clean: false,
} as const;

export default defineConfig([
  {
    ...common,
    entry: {
      index: "src/index.ts",
      receipts: "src/receipts.ts",
      cli: "src/cli.ts",
      "verify-worker": "src/verify/verify-worker.ts",
      "hook-worker": "src/cli/commands/hook/claude-worker.ts",
    },
    format: ["esm"],
    dts: { entry: { index: "src/index.ts", receipts: "src/receipts.ts" }, resolve: ["@trusera/core"] },
    sourcemap: true,
    splitting: true,
  },
  {
    ...common,
    // The Node preload of `transient-trace run`: CommonJS (loaded by --require), one file, no engine.
    entry: { "node-guard": "src/guard/node/guard.ts" },
    format: ["cjs"],
    outExtension: () => ({ js: ".cjs" }),
    sourcemap: false,
    splitting: false,
  },
  {
    ...common,
    // Outbound HTTP for the Node guard, through trusera-sdk's interceptor. Stays in the package (the
    // copied preload requires it by absolute path), so trusera-sdk resolves as a normal dependency.
    entry: { "http-guard": "src/guard/node/http-guard.ts" },
    format: ["cjs"],
    outExtension: () => ({ js: ".cjs" }),
    sourcemap: false,
    splitting: false,
  },
]);
