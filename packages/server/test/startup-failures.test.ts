import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { SERVER_CLI, serverNode, startServerProcess, tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";

// The server as an operator meets it: start-up failures are one line with the fix and a non-zero exit,
// and signals end it whatever became of its output.

type Ended = { code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number };

function run(args: string[], timeoutMs = 20_000): Promise<Ended> {
  const started = Date.now();
  const child = spawn(serverNode(), [SERVER_CLI, "start", "--host", "127.0.0.1", ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return ended(child, started, timeoutMs);
}

function ended(child: ChildProcess, started: number, timeoutMs: number): Promise<Ended> {
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, ms: Date.now() - started });
    }),
  );
}

/** One line naming the problem and the fix; never the generic "unexpected error" with a stack. */
function expectOneClearLine(r: Ended, ...parts: string[]) {
  expect(r.signal, "ended by itself, not killed at the time limit").toBeNull();
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^trusera-server: /);
  expect(r.stderr).not.toContain("unexpected error");
  expect(r.stderr).not.toMatch(/\n\s+at /);
  for (const p of parts) expect(lines[0]).toContain(p);
}

const dirs: { remove(): void }[] = [];
const dataDir = () => {
  const d = tempDir("trusera-startup-");
  dirs.push(d);
  return d.path;
};
afterAll(() => {
  for (const d of dirs) d.remove();
});

describe("start-up failures", () => {
  it("a port in use", async () => {
    const first = await startServerProcess();
    try {
      const port = new URL(first.url).port;
      expectOneClearLine(await run(["--port", port, "--data-dir", dataDir()]), "already in use", "--port");
    } finally {
      await first.dispose();
    }
  });

  it("an unreachable PostgreSQL", async () => {
    const r = await run([
      "--port",
      "0",
      "--data-dir",
      dataDir(),
      "--database-url",
      "postgres://u:secret@127.0.0.1:1/db",
    ]);
    expectOneClearLine(r, "connection refused", "--database-url", "u:***@");
    expect(r.stderr).not.toContain("secret");
  });

  it("a data directory that cannot be made: under a file, and under /proc (which made it spin)", async () => {
    const file = join(dataDir(), "a-file");
    writeFileSync(file, "");
    expectOneClearLine(
      await run(["--port", "0", "--data-dir", join(file, "data")]),
      "not a directory",
      "--data-dir",
    );
    expectOneClearLine(
      await run(["--port", "0", "--data-dir", "/proc/trusera-nope"]),
      "cannot create",
      "--data-dir",
    );
  });
});

describe("signals", () => {
  async function started(stdout: "pipe" | "ignore" = "ignore") {
    const child = spawn(
      serverNode(),
      [SERVER_CLI, "start", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir(), "--log-requests"],
      { stdio: ["ignore", stdout, "pipe"] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let text = "";
      child.stderr!.on("data", (d) => {
        text += d;
        const m = /listening on (http:\/\/\S+)/.exec(text);
        if (m) resolve(m[1]!);
      });
      child.once("exit", () => reject(new Error(`server exited before listening: ${text}`)));
    });
    return { child, url };
  }

  it("ends on SIGTERM after the reader of its output went away (`| head -3`), every time", async () => {
    for (let round = 0; round < 3; round++) {
      const { child, url } = await started("pipe");
      // Read a little, then close our end, as `head` does: every later log line meets a closed pipe.
      await new Promise((r) => child.stdout!.once("data", r));
      child.stdout!.destroy();
      for (let i = 0; i < 20; i++) await fetch(`${url}/healthz`).then((r) => r.arrayBuffer());
      const since = Date.now();
      child.kill("SIGTERM");
      const end = await ended(child, since, 15_000);
      expect(end.signal, `round ${round}: had to be killed`).toBeNull();
      expect(end.code).toBe(0);
    }
  });

  it("SIGINT then SIGTERM (npm start's Ctrl-C) shuts down gracefully; SIGINT twice exits at once", async () => {
    const a = await started();
    a.child.kill("SIGINT");
    a.child.kill("SIGTERM");
    const endA = await ended(a.child, Date.now(), 15_000);
    expect(endA.code).toBe(0);
    expect(endA.stderr).not.toContain("again");

    // A request in flight (half its body sent) keeps the graceful shutdown waiting; a second SIGINT ends it.
    const b = await started();
    const req = request(`${b.url}/api/v1/events/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "1000" },
    });
    req.on("error", () => {});
    req.write("{");
    await new Promise((r) => setTimeout(r, 200));
    b.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    expect(b.child.exitCode, "still finishing the request in flight").toBeNull();
    const since = Date.now();
    b.child.kill("SIGINT");
    const endB = await ended(b.child, since, 15_000);
    expect(endB.code).toBe(130);
    expect(endB.stderr).toContain("SIGINT again: exiting now");
    req.destroy();
  });
});
