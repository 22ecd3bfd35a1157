import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "@trusera/testing";

/**
 * The Vercel AI SDK majors `trusera-sdk/ai` supports: 5 is the workspace's own devDependency; 6 and 7
 * are installed from the npm registry into .cache/ai<major> on first use, pinned here (as
 * scripts/test-node-matrix.mjs does for Node). ai 7 needs Node 22 or later (its `engines`): on Node 20
 * it is left out with one notice, and the Node 22 and 24 runs of the SDK's suite cover it. When npm
 * cannot install a major the suite fails, unless TRUSERA_OFFLINE=1 (then it skips it with a notice).
 */
export const EXTRA_AI = { 6: "6.0.333", 7: "7.0.185" } as const;

export interface AiMajor {
  major: 5 | 6 | 7;
  /** The `ai` module of that major. */
  ai: typeof import("ai");
  /** Its `ai/test`. */
  test: Record<string, unknown>;
  /** Where its node_modules is (null for the workspace's own). */
  dir: string | null;
}

const nodeMajor = Number(process.versions.node.split(".")[0]);

/** The directory holding `ai@<version>` (and zod), installed when missing; throws when npm fails. */
export function installAi(major: 6 | 7): string {
  const version = EXTRA_AI[major];
  const dir = join(REPO_ROOT, ".cache", `ai${major}`);
  const pkg = join(dir, "node_modules", "ai", "package.json");
  const installed = () => existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).version === version;
  if (installed()) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ private: true, dependencies: { ai: version, zod: "^4.1.8" } }, null, 2)}\n`,
  );
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 300_000,
  });
  if (r.status !== 0 || !installed()) {
    throw new Error(
      `could not install ai@${version} from the npm registry into ${dir}: ${r.stderr || r.error}`,
    );
  }
  return dir;
}

async function load(dir: string): Promise<Pick<AiMajor, "ai" | "test">> {
  const base = join(dir, "node_modules", "ai", "dist");
  const file = (name: string) =>
    pathToFileURL(
      existsSync(join(base, `${name}.mjs`)) ? join(base, `${name}.mjs`) : join(base, `${name}.js`),
    ).href;
  return { ai: await import(file("index")), test: await import(file("test/index")) };
}

/** Every major this Node can run, loaded. */
export async function aiMajors(): Promise<AiMajor[]> {
  const majors: AiMajor[] = [{ major: 5, ai: await import("ai"), test: await import("ai/test"), dir: null }];
  for (const major of [6, 7] as const) {
    if (major === 7 && nodeMajor < 22) {
      console.warn(
        `ai 7 needs Node 22 or later: its tests run in the Node 22 and 24 runs, not on ${process.version}`,
      );
      continue;
    }
    let dir: string;
    try {
      dir = installAi(major);
    } catch (err) {
      // No registry on purpose: skip with one notice; otherwise fail loudly (CI has the registry).
      if (process.env.TRUSERA_OFFLINE !== "1") throw err;
      console.warn(`ai ${major}: skipped (TRUSERA_OFFLINE=1): ${(err as Error).message}`);
      continue;
    }
    majors.push({ major, ...(await load(dir)), dir });
  }
  return majors;
}

type Reason = "stop" | "tool-calls";

/**
 * The AI SDK's own mock model in the spec version of `lib` (5: V2, 6: V3, 7: V4), answering
 * `replies` in turn, with that version's shapes of usage (6 and 7: token counts as objects, no total)
 * and finish reasons (6 and 7: `{unified, raw}`).
 */
export function mockModelOf(
  lib: AiMajor,
  options: {
    modelId: string;
    tokens: { input: number; output: number };
    generate?: { content: unknown[]; finishReason: Reason }[];
    stream?: { chunks: unknown[]; finishReason: Reason }[];
  },
) {
  const { input, output } = options.tokens;
  const v2 = lib.major === 5;
  const usage = v2
    ? { inputTokens: input, outputTokens: output, totalTokens: input + output }
    : {
        inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: output, text: output, reasoning: 0 },
      };
  const reason = (r: Reason) => (v2 ? r : { unified: r, raw: r === "tool-calls" ? "tool_calls" : r });
  const Mock = (lib.test.MockLanguageModelV4 ??
    lib.test.MockLanguageModelV3 ??
    lib.test.MockLanguageModelV2) as new (
    o: object,
  ) => { doGenerateCalls: unknown[]; doStreamCalls: unknown[] };
  return new Mock({
    provider: "openai.chat",
    modelId: options.modelId,
    doGenerate: (options.generate ?? []).map((g) => ({
      content: g.content,
      finishReason: reason(g.finishReason),
      usage,
      warnings: [],
    })),
    doStream: (options.stream ?? []).map((s) => ({
      stream: lib.ai.simulateReadableStream({
        chunks: [
          { type: "stream-start", warnings: [] },
          ...s.chunks,
          { type: "finish", finishReason: reason(s.finishReason), usage },
        ],
      }),
    })),
  });
}
