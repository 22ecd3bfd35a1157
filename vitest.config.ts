import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests never write into the user's home: the SDK's event spool and the receipt key pins (both on by
// default, under ~) go to a scratch directory; child processes inherit it.
const scratch = join(tmpdir(), "trusera-test-home");

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      // Before "@trusera/core", which would otherwise match it as a prefix.
      "@trusera/core/light": fileURLToPath(new URL("./packages/core/src/light.ts", import.meta.url)),
      "@trusera/core": src("core"),
      "@trusera/testing": src("testing"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/test/**/*.test.ts"],
    // Interceptor tests patch process-wide globals: every file runs in its own process.
    pool: "forks",
    // The Postgres skip notice, once per run.
    globalSetup: ["packages/testing/src/postgres-notice.ts"],
    env: {
      TRUSERA_SPOOL_DIR: join(scratch, "spool"),
      TRANSIENT_TRACE_TRUST_FILE: join(scratch, "trusted-keys.json"),
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
