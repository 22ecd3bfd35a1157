import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The built server entry point (`npm run build` makes it). */
export const SERVER_CLI = fileURLToPath(new URL("../../server/dist/cli.js", import.meta.url));

/**
 * The Node that runs `trusera-server` in tests: the one the tests run on, unless TRUSERA_TEST_SERVER_NODE
 * names another. The SDK's tests also run on Node 22 and 24 (scripts/test-node-matrix.mjs), against a
 * server whose native addon (better-sqlite3) is built for the first.
 */
export function serverNode(): string {
  return process.env.TRUSERA_TEST_SERVER_NODE || process.execPath;
}
