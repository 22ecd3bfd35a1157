import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Issue 20 item 2: the packages used outside this repository. `scripts/pack.mjs` packs the three
// packages; a scratch project in a temp dir installs the SDK tarball and reports to a server
// installed from the server tarball into another temp dir. Neither can see this repository: they
// resolve only what is in their own node_modules (npm installs the tarballs' dependencies from the
// registry, or the local npm cache).
//
// better-sqlite3 is a native module whose install script downloads a prebuilt binary from GitHub or
// compiles SQLite (minutes, and no GitHub here): the server install runs with --ignore-scripts and
// gets the binary this repository's `npm ci` built, the same version and Node ABI. That copy is the
// one thing taken from here; a machine with internet access runs the install script instead.
const root = fileURLToPath(new URL("../..", import.meta.url));
const dirs: { path: string; remove(): void }[] = [];
let out: string;
let tarballs: { sdk: string; server: string; cli: string };
let server: ChildProcess | undefined;

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      npm_config_loglevel: "error",
      npm_config_fund: "false",
      npm_config_audit: "false",
    },
  });
}

/** deploy/Dockerfile's `RUN npm install` arguments, its final stage's ENV and its exec-form CMD. */
function dockerfile(): { install: string[]; env: Record<string, string>; cmd: string[] } {
  const text = readFileSync(join(root, "deploy", "Dockerfile"), "utf8").replace(/\\\n/g, " ");
  const install = /^RUN npm (install .*)$/m.exec(text)?.[1]?.trim().split(/\s+/);
  const cmd = /^CMD (\[.*\])$/m.exec(text)?.[1];
  const finalStage = text.slice(text.lastIndexOf("\nFROM "));
  const env: Record<string, string> = {};
  for (const line of finalStage.matchAll(/^ENV (.*)$/gm))
    for (const pair of line[1]!.trim().split(/\s+/)) {
      const [k, v] = pair.split("=");
      env[k!] = v ?? "";
    }
  if (!install || !cmd) throw new Error("deploy/Dockerfile: no RUN npm install line or exec-form CMD");
  return { install, env, cmd: JSON.parse(cmd) as string[] };
}

function scratch(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  writeFileSync(
    join(d.path, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module" }),
  );
  return d.path;
}

beforeAll(() => {
  const d = tempDir("trusera-packed-");
  dirs.push(d);
  out = d.path;
  // The build is the test command's first step: pack what it built.
  const listed = execFileSync(
    process.execPath,
    [join(root, "scripts", "pack.mjs"), "--no-build", "--out", out],
    {
      encoding: "utf8",
    },
  );
  const find = (name: string) => {
    const m = new RegExp(`^(\\S*/${name}-[\\d.]+\\.tgz)`, "m").exec(listed);
    if (!m) throw new Error(`pack.mjs did not list ${name}:\n${listed}`);
    return m[1]!;
  };
  tarballs = { sdk: find("trusera-sdk"), server: find("trusera-server"), cli: find("transient-trace") };
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => server!.once("exit", r));
  }
  for (const d of dirs) d.remove();
});

describe("packed tarballs, installed outside the repository", () => {
  it("each tarball holds its entry points and no @trusera/core import", () => {
    for (const t of Object.values(tarballs)) {
      expect(existsSync(t)).toBe(true);
      const listing = execFileSync("tar", ["-xzOf", t, "--wildcards", "package/dist/*.js"], {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(listing, t).not.toMatch(/from\s*["']@trusera\/core/);
    }
  });

  it("a scratch project installs the SDK tarball and reports to a server installed from the server tarball", async () => {
    const serverDir = scratch("trusera-packed-server-");
    // deploy/Dockerfile's own install step, with the tarball for its glob (see the note at the top).
    const docker = dockerfile();
    npm(
      [
        ...docker.install.map((a) => (a.includes("*") ? tarballs.server : a)),
        "--prefer-offline",
        "--ignore-scripts",
      ],
      serverDir,
    );
    const native = join(serverDir, "node_modules", "better-sqlite3", "build", "Release");
    mkdirSync(native, { recursive: true });
    copyFileSync(
      join(root, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node"),
      join(native, "better_sqlite3.node"),
    );
    const dataDir = join(serverDir, "data");
    // The image's CMD and ENV, in the image's WORKDIR (serverDir); loopback, a free port, a temp volume.
    expect(docker.cmd[0]).toBe("node");
    expect(docker.env).toMatchObject({
      TRUSERA_HOST: "0.0.0.0",
      TRUSERA_PORT: "7780",
      TRUSERA_DATA_DIR: "/data",
    });
    server = spawn(process.execPath, docker.cmd.slice(1), {
      cwd: serverDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        ...docker.env,
        TRUSERA_HOST: "127.0.0.1",
        TRUSERA_PORT: "0",
        TRUSERA_DATA_DIR: dataDir,
      },
    });
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`packed server did not start:\n${output}`)), 30_000);
      const onData = (d: Buffer) => {
        output += d.toString();
        const m = /trusera-server listening on (http:\/\/\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      server!.stdout!.on("data", onData);
      server!.stderr!.on("data", onData);
      server!.once("exit", (code) => reject(new Error(`packed server exited with ${code}:\n${output}`)));
    });
    const apiKey = readFileSync(join(dataDir, "api-key"), "utf8").trim();

    const agentDir = scratch("trusera-packed-agent-");
    npm(["install", "--prefer-offline", tarballs.sdk], agentDir);
    writeFileSync(
      join(agentDir, "agent.mjs"),
      `import { TruseraClient, createEvent, EventType } from "trusera-sdk";
const client = new TruseraClient({ apiKey: process.env.TRUSERA_API_KEY, baseUrl: process.env.TRUSERA_API_URL, spool: false });
const id = await client.registerAgent("packed-agent", "custom");
client.track(createEvent(EventType.TOOL_CALL, "outside-the-repo", { from: "a scratch project" }));
await client.close();
console.log(JSON.stringify({ id, stats: client.stats }));
`,
    );
    const ran = JSON.parse(
      execFileSync(process.execPath, ["agent.mjs"], {
        cwd: agentDir,
        encoding: "utf8",
        env: { ...process.env, TRUSERA_API_KEY: apiKey, TRUSERA_API_URL: url },
      }),
    );
    expect(ran.stats).toMatchObject({ sent: 1, dropped: 0, rejected: 0 });
    // The SDK the agent loaded is the installed tarball, not this repository's.
    const resolved = execFileSync(process.execPath, ["-e", "console.log(require.resolve('trusera-sdk'))"], {
      cwd: agentDir,
      encoding: "utf8",
    }).trim();
    expect(resolved.startsWith(join(agentDir, "node_modules", "trusera-sdk"))).toBe(true);

    const res = await fetch(new URL(`/api/v1/events?agent_id=${ran.id}`, url), {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const body = (await res.json()) as { events: { name: string; payload: { from: string } }[] };
    expect(body.events.map((e) => [e.name, e.payload.from])).toEqual([
      ["outside-the-repo", "a scratch project"],
    ]);
  }, 300_000);

  it("transient-trace installs from its tarball together with the SDK tarball and runs", () => {
    const dir = scratch("trusera-packed-cli-");
    npm(["install", "--prefer-offline", tarballs.sdk, tarballs.cli], dir);
    const version = execFileSync(
      process.execPath,
      [join(dir, "node_modules", ".bin", "transient-trace"), "--version"],
      {
        encoding: "utf8",
        env: { ...process.env, HOME: dir },
      },
    );
    expect(version.trim()).toBe(
      JSON.parse(readFileSync(join(root, "packages", "cli", "package.json"), "utf8")).version,
    );
  }, 300_000);
});
