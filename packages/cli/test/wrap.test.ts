import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { cli, E2E_POLICY, receiptsIn } from "./run-helpers.js";

const dirs: { remove(): void }[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});

/** A temp HOME (and state dir inside it), never the real one. */
function home() {
  const d = tempDir("tt-wrap-");
  dirs.push(d);
  const h = join(d.path, "home");
  mkdirSync(h);
  const state = join(d.path, "state");
  // `wrap install` refuses a program that is not on PATH: a stand-in `claude` is.
  const tools = join(d.path, "tools");
  mkdirSync(tools);
  writeFileSync(join(tools, "claude"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  return {
    root: d.path,
    home: h,
    state,
    env: {
      HOME: h,
      TRANSIENT_TRACE_STATE_DIR: state,
      CLAUDE_CONFIG_DIR: undefined,
      PATH: `${tools}:${process.env.PATH}`,
    },
  };
}

/** Every file under a directory with its bytes (and symlinks as links), to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) out[r] = `-> ${readFileSync(p, "utf8")}`;
      else if (e.isDirectory()) {
        out[`${r}/`] = "";
        walk(p, r);
      } else out[r] = readFileSync(p).toString("base64");
    }
  };
  walk(dir, "");
  return out;
}

const USER_SETTINGS = `{
    "model": "opus",
    "permissions": { "allow": ["Bash(npm test)"] },
    "hooks": {
        "PreToolUse": [
            { "matcher": "Bash", "hooks": [ { "type": "command", "command": "~/bin/my-guard.sh" } ] }
        ],
        "PostToolUse": [ { "matcher": "Edit", "hooks": [ { "type": "command", "command": "prettier -w" } ] } ]
    }
}`;

describe("transient-trace wrap", () => {
  it("install edits rc files and Claude Code settings idempotently; uninstall restores them byte for byte", async () => {
    const h = home();
    writeFileSync(join(h.home, ".bashrc"), "# my bashrc\nalias ll='ls -l'"); // no final newline
    writeFileSync(join(h.home, ".zshrc"), "export ZSH=1\n");
    mkdirSync(join(h.home, ".claude"));
    writeFileSync(join(h.home, ".claude", "settings.json"), USER_SETTINGS);
    const before = snapshot(h.home);
    const env = { ...h.env, SHELL: "/bin/zsh" };

    const first = await cli(["wrap", "install", "claude", "git", "--auto-rc", "--json"], { env });
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({
      version: 1,
      wrapped: ["claude", "git"],
      claude_settings: join(h.home, ".claude", "settings.json"),
    });
    expect(report.rc_files.sort()).toEqual([join(h.home, ".bashrc"), join(h.home, ".zshrc")]);
    expect(existsSync(join(h.home, ".profile"))).toBe(false);

    const bashrc = readFileSync(join(h.home, ".bashrc"), "utf8");
    expect(bashrc.startsWith("# my bashrc\nalias ll='ls -l'\n# >>> transient-trace wrap >>>\n")).toBe(true);
    expect(bashrc.endsWith("# <<< transient-trace wrap <<<\n")).toBe(true);
    const settings = JSON.parse(readFileSync(join(h.home, ".claude", "settings.json"), "utf8"));
    expect(settings.model).toBe("opus");
    expect(settings.permissions).toEqual({ allow: ["Bash(npm test)"] });
    expect(settings.hooks.PostToolUse).toHaveLength(1);
    expect(settings.hooks.PreToolUse).toHaveLength(2);
    expect(settings.hooks.PreToolUse[0].hooks[0].command).toBe("~/bin/my-guard.sh");
    expect(settings.hooks.PreToolUse[1]).toEqual({
      matcher: "Bash|Write|Edit|MultiEdit|NotebookEdit|WebFetch|mcp__.*",
      hooks: [{ type: "command", command: expect.stringMatching(/ hook claude \|\| exit 2$/), timeout: 30 }],
    });

    const installed = snapshot(h.home);
    const again = await cli(["wrap", "install", "claude", "git", "--auto-rc"], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(snapshot(h.home)).toEqual(installed);

    const status = await cli(["wrap", "status", "--json"], { env });
    const st = JSON.parse(status.stdout);
    expect(st.wrapped.map((b: { name: string }) => b.name)).toEqual(["claude", "git"]);
    expect(st.rc_files.every((r: { block_present: boolean }) => r.block_present)).toBe(true);
    expect(st.claude_hook.installed).toBe(true);
    const human = await cli(["wrap", "status"], { env });
    expect(human.stdout).toMatch(/Claude Code hook: registered/);

    expect((await cli(["wrap", "uninstall", "git"], { env })).code).toBe(0);
    expect(readFileSync(join(h.home, ".bashrc"), "utf8")).toBe(bashrc);
    const last = await cli(["wrap", "uninstall", "claude", "--json"], { env });
    expect(last.code, last.stderr).toBe(0);
    expect(JSON.parse(last.stdout).rc_restored.sort()).toEqual([
      join(h.home, ".bashrc"),
      join(h.home, ".zshrc"),
    ]);
    expect(snapshot(h.home)).toEqual(before);
    expect(existsSync(join(h.state, "wrap"))).toBe(false);
    const none = await cli(["wrap", "uninstall", "claude"], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/not wrapped: claude/);
  });

  it("removes the files it created (an empty HOME stays empty) and writes through symlinked rc files", async () => {
    const h = home();
    const env = { ...h.env, SHELL: "/bin/bash" };
    expect((await cli(["wrap", "install", "claude", "--auto-rc"], { env })).code).toBe(0);
    expect(existsSync(join(h.home, ".bashrc"))).toBe(true);
    expect(existsSync(join(h.home, ".claude", "settings.json"))).toBe(true);
    expect((await cli(["wrap", "uninstall", "--all"], { env })).code).toBe(0);
    expect(readdirSync(h.home)).toEqual([]);

    const dotfiles = join(h.root, "dotfiles");
    mkdirSync(dotfiles);
    writeFileSync(join(dotfiles, "profile"), "PS1='$ '\n");
    symlinkSync(join(dotfiles, "profile"), join(h.home, ".profile"));
    const before = snapshot(h.root);
    expect(
      (await cli(["wrap", "install", "git", "--auto-rc"], { env: { ...h.env, SHELL: "/bin/sh" } })).code,
    ).toBe(0);
    expect(lstatSync(join(h.home, ".profile")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dotfiles, "profile"), "utf8")).toMatch(/transient-trace wrap/);
    expect((await cli(["wrap", "uninstall", "git"], { env })).code).toBe(0);
    const after = snapshot(h.root);
    delete after["state/"];
    delete before["state/"];
    expect(after).toEqual(before);
  });

  it("keeps settings the user changed after install, taking out only its own hook", async () => {
    const h = home();
    mkdirSync(join(h.home, ".claude"));
    writeFileSync(join(h.home, ".claude", "settings.json"), USER_SETTINGS);
    expect((await cli(["wrap", "install", "claude"], { env: h.env })).code).toBe(0);
    const path = join(h.home, ".claude", "settings.json");
    const changed = JSON.parse(readFileSync(path, "utf8"));
    changed.theme = "dark";
    writeFileSync(path, JSON.stringify(changed));
    const r = await cli(["wrap", "uninstall", "claude"], { env: h.env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/changed since install: only the transient-trace hook was removed/);
    const now = JSON.parse(readFileSync(path, "utf8"));
    expect(now).toEqual({ ...JSON.parse(USER_SETTINGS), theme: "dark" });
  });

  it("the rc block puts the wrap directory on PATH once, however often it is sourced", async () => {
    const h = home();
    writeFileSync(join(h.home, ".profile"), "");
    expect(
      (await cli(["wrap", "install", "git", "--auto-rc"], { env: { ...h.env, SHELL: "/bin/sh" } })).code,
    ).toBe(0);
    const r = spawnSync("/bin/sh", ["-c", ". ~/.profile; . ~/.profile; printf '%s' \"$PATH\""], {
      env: { HOME: h.home, PATH: "/usr/bin:/bin" },
      encoding: "utf8",
    });
    expect(r.stdout).toBe(`${join(h.state, "wrap", "bin")}:/usr/bin:/bin`);
  });

  it("a wrapped program runs under run: governed with the default mode and the policy, as agent NAME", async () => {
    const h = home();
    const bin = join(h.root, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "claude"), '#!/bin/sh\nrm "$1"\necho "rm said $?"\n', { mode: 0o755 });
    const policy = join(h.root, "policy.json");
    writeFileSync(policy, JSON.stringify(E2E_POLICY));
    const victim = join(h.root, "victim.txt");
    writeFileSync(victim, "precious\n");
    expect((await cli(["wrap", "install", "claude"], { env: h.env })).code).toBe(0);
    expect((await cli(["config", "set", "mode", "strict"], { env: h.env })).code).toBe(0);
    const r = spawnSync(join(h.state, "wrap", "bin", "claude"), [victim], {
      env: {
        HOME: h.home,
        TRANSIENT_TRACE_STATE_DIR: h.state,
        ATP_POLICY_PATH: policy,
        PATH: `${join(h.state, "wrap", "bin")}:${bin}:${process.env.PATH}`,
      },
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("rm said 126\n");
    expect(existsSync(victim)).toBe(true);
    const receipts = receiptsIn(h.state);
    expect(receipts.map((x) => [x.intent.actor_id, x.intent.connector, x.execution_status])).toEqual([
      ["claude", "transient-trace/run", "executed"],
      ["claude", "transient-trace/shell", "blocked"],
    ]);
    expect(receipts[0]!.intent.target).toMatchObject({ binary: join(bin, "claude") });
  });
});
