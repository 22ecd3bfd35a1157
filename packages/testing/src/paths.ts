import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The built server entry point (`npm run build` makes it). */
export const SERVER_CLI = fileURLToPath(new URL("../../server/dist/cli.js", import.meta.url));
