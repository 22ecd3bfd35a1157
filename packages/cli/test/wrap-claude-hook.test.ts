import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "./helpers.js";
import { cleanEnv } from "./run-helpers.js";

// Issue 20 item 7: `wrap install claude` without `claude` on PATH fails, and the hook registered in
// Claude Code's settings survives a moved clone (or blocks with the fix), which `wrap status` says.
const dirs: { remove(): void }[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});

/** A sandbox whose CLI is reached through `clone/` (a link to the built dist), so it can "move". */
function sandbox() {
  const d = tempDir("tt-hookmove-");
  dirs.push(d);
  const home = join(d.path, "home");
  const tools = join(d.path, "tools");
  mkdirSync(home);
  mkdirSync(tools);
  writeFileSync(join(tools, "claude"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  symlinkSync(dirname(CLI), join(d.path, "clone"));
  const env = {
    HOME: home,
    TRANSIENT_TRACE_STATE_DIR: join(d.path, "state"),
    CLAUDE_CONFIG_DIR: undefined,
    PATH: `${tools}:/usr/bin:/bin`,
  };
  const run = (args: string[], extra: Record<string, string | undefined> = {}) =>
    spawnSync(process.execPath, [join(d.path, "clone", "cli.js"), ...args], {
      env: cleanEnv({ ...env, ...extra }),
      encoding: "utf8",
    });
  return { root: d.path, home, tools, env, run };
}

const BASH_LS = JSON.stringify({
  session_id: "s",
  transcript_path: "/tmp/t.jsonl",
  cwd: "/tmp",
  hook_event_name: "PreToolUse",
  tool_name: "Bash",
  tool_input: { command: "ls" },
});

/** Runs the command registered in Claude Code's settings the way Claude Code does: through a shell. */
function runRegisteredHook(s: ReturnType<typeof sandbox>, path: string) {
  const settings = JSON.parse(readFileSync(join(s.home, ".claude", "settings.json"), "utf8"));
  const command = settings.hooks.PreToolUse.at(-1).hooks[0].command as string;
  return spawnSync("/bin/sh", ["-c", command], {
    input: BASH_LS,
    env: cleanEnv({ HOME: s.home, PATH: path }),
    encoding: "utf8",
  });
}

describe("wrap install claude: robust hook", () => {
  it("exits 1 with the fix when claude is not on PATH, and installs nothing", () => {
    const s = sandbox();
    const r = s.run(["wrap", "install", "claude"], { PATH: "/usr/bin:/bin" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not on PATH: claude; nothing was installed\. Install Claude Code/);
    expect(existsSync(join(s.home, ".claude"))).toBe(false);
    expect(existsSync(join(s.env.TRANSIENT_TRACE_STATE_DIR, "wrap"))).toBe(false);
  });

  it("the settings name a launcher, not the clone: a moved clone falls back to transient-trace on PATH, or blocks with the fix", () => {
    const s = sandbox();
    const installed = s.run(["wrap", "install", "claude"]);
    expect(installed.status, installed.stderr).toBe(0);
    const settings = readFileSync(join(s.home, ".claude", "settings.json"), "utf8");
    expect(settings).not.toContain(join(s.root, "clone"));
    expect(settings).toContain(join(s.env.TRANSIENT_TRACE_STATE_DIR, "wrap", "hook-claude"));
    // In place: the hook answers (an allowed call: no decision, exit 0).
    let r = runRegisteredHook(s, "/usr/bin:/bin");
    expect(r.status, r.stderr).toBe(0);
    expect(s.run(["wrap", "status"]).stdout).toContain(`  runs ${join(s.root, "clone", "cli.js")}`);

    // The clone moves. Without transient-trace on PATH: blocked (exit 2), saying what to run.
    renameSync(join(s.root, "clone"), join(s.root, "moved"));
    r = runRegisteredHook(s, "/usr/bin:/bin");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/clone\/cli\.js is gone \(moved or deleted\).*wrap install claude' again/);
    const status = spawnSync(
      process.execPath,
      [join(s.root, "moved", "cli.js"), "wrap", "status", "--json"],
      {
        env: cleanEnv(s.env),
        encoding: "utf8",
      },
    );
    const hook = JSON.parse(status.stdout).claude_hook;
    expect(hook).toMatchObject({ installed: true, present: true, cli_present: false, fallback: null });

    // With transient-trace on PATH (e.g. npm install -g), the hook runs that one.
    writeFileSync(
      join(s.tools, "transient-trace"),
      `#!/bin/sh\nexec '${process.execPath}' '${join(s.root, "moved", "cli.js")}' "$@"\n`,
      { mode: 0o755 },
    );
    r = runRegisteredHook(s, `${s.tools}:/usr/bin:/bin`);
    expect(r.status, r.stderr).toBe(0);
    const text = spawnSync(process.execPath, [join(s.root, "moved", "cli.js"), "wrap", "status"], {
      env: cleanEnv(s.env),
      encoding: "utf8",
    }).stdout;
    expect(text).toMatch(
      /clone\/cli\.js is gone \(moved\?\): runs .*tools\/transient-trace from PATH instead/,
    );

    // Uninstall takes the launcher away with the hook.
    const gone = spawnSync(
      process.execPath,
      [join(s.root, "moved", "cli.js"), "wrap", "uninstall", "claude"],
      {
        env: cleanEnv(s.env),
        encoding: "utf8",
      },
    );
    expect(gone.status, gone.stderr).toBe(0);
    expect(existsSync(join(s.env.TRANSIENT_TRACE_STATE_DIR, "wrap", "hook-claude"))).toBe(false);
  });
});
