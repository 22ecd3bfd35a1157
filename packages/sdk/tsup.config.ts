import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    cedar: "src/cedar/index.ts",
    langchain: "src/integrations/langchain/index.ts",
    ai: "src/integrations/ai/index.ts",
    openai: "src/integrations/openai/index.ts",
    mcp: "src/integrations/mcp/index.ts",
    otel: "src/otel/index.ts",
    // Not in the exports map: the interceptor starts it as a worker thread (src/interceptor/event-thread.ts).
    "event-worker": "src/interceptor/event-worker.ts",
  },
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
  // Shared code in chunks, in both formats: an integration's entry must use the same TruseraClient,
  // CedarEvaluator and PolicyViolationError classes as the root entry, not copies of them.
  splitting: true,
  treeshake: true,
});
