// `node --import <this file>` with TRUSERA_TEST_AI_DIR=<dir>: `ai` and `ai/*` resolve from <dir>'s
// node_modules (an extra AI SDK major under .cache/), so that an example runs unchanged on that major.
import { register } from "node:module";

register("./ai-major-resolve.mjs", import.meta.url, { data: { dir: process.env.TRUSERA_TEST_AI_DIR } });
