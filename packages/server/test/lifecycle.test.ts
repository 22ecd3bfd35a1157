import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { SERVER_CLI, startServerProcess, tempDir } from "@trusera/testing";
import { describe, expect, it } from "vitest";
import { sdkEvent } from "./helpers.js";

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [SERVER_CLI, ...args], { env: { ...process.env, ...env }, encoding: "utf8" });

describe("server process lifecycle", () => {
  it("finishes a request in flight on SIGTERM, then closes the store and exits 0", async () => {
    const dir = tempDir("trusera-shutdown-");
    try {
      const server = await startServerProcess({ dataDir: dir.path });
      const events = Array.from({ length: 20 }, () => sdkEvent());
      const body = Buffer.from(JSON.stringify({ events }));
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          `${server.url}/api/v1/events/batch`,
          {
            method: "POST",
            headers: {
              authorization: `Bearer ${server.apiKey}`,
              "content-type": "application/json",
              "content-length": body.length,
            },
          },
          (res) => {
            let text = "";
            res.setEncoding("utf8").on("data", (d: string) => {
              text += d;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on("error", reject);
        // Half the body now, SIGTERM, the rest a moment later: the request is in flight when shutdown begins.
        req.write(body.subarray(0, 100));
        setTimeout(() => {
          server.child.kill("SIGTERM");
          setTimeout(() => req.end(body.subarray(100)), 300);
        }, 200);
      });
      const res = await answer;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ accepted: 20, duplicates: 0 });
      const code = await new Promise<number | null>((resolve) => {
        if (server.child.exitCode !== null) resolve(server.child.exitCode);
        else server.child.once("exit", (c) => resolve(c));
      });
      expect(code).toBe(0);
      expect(server.output()).toContain("shutting down");
      // The events are there after a restart on the same data.
      const again = await startServerProcess({ dataDir: dir.path });
      try {
        const list = await again.api("GET", "/api/v1/events?limit=100", undefined, server.apiKey);
        expect(list.body.events).toHaveLength(20);
      } finally {
        await again.stop();
      }
    } finally {
      dir.remove();
    }
  });

  it("writes JSON log lines (pino)", async () => {
    const server = await startServerProcess({ args: ["--log-requests"] });
    try {
      await server.api("GET", "/api/v1/project");
      await new Promise((r) => setTimeout(r, 100));
      const lines = server
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"));
      const parsed = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
      expect(parsed.some((l) => l.msg === "trusera-server listening")).toBe(true);
      expect(parsed.some((l) => l.msg === "request completed")).toBe(true);
      // The first-start banner shows the key once, on purpose; the logs never do.
      expect(lines.join("\n")).not.toContain(server.apiKey.slice(4));
    } finally {
      await server.dispose();
    }
  });
});

describe("trusera-server CLI", () => {
  it("documents every flag in --help", () => {
    const res = cli(["start", "--help"]);
    expect(res.status).toBe(0);
    for (const flag of [
      "--database-url",
      "--retention-days",
      "--purge-interval",
      "--pool-size",
      "--shutdown-timeout",
      "--port",
      "--data-dir",
    ]) {
      expect(res.stdout).toContain(flag);
    }
    expect(cli(["keys", "--help"]).stdout).toContain("--database-url");
  });

  it("creates, lists and revokes keys on SQLite; only the hash is stored", async () => {
    const dir = tempDir("trusera-keys-");
    try {
      const made = cli([
        "keys",
        "create",
        "--project",
        "p1",
        "--role",
        "ingest",
        "--label",
        "ci",
        "--json",
        "--data-dir",
        dir.path,
      ]);
      expect(made.status, made.stderr).toBe(0);
      const created = JSON.parse(made.stdout) as { version: number; id: string; key: string; role: string };
      expect(created).toMatchObject({ version: 1, role: "ingest" });
      const listed = cli(["keys", "list", "--project", "p1", "--json", "--data-dir", dir.path]);
      const keys = JSON.parse(listed.stdout).keys as { id: string; label: string }[];
      expect(keys.map((k) => [k.id, k.label])).toEqual([[created.id, "ci"]]);
      expect(listed.stdout).not.toContain(created.key);
      const { readFileSync } = await import("node:fs");
      expect(readFileSync(`${dir.path}/trusera.sqlite`).includes(created.key)).toBe(false);
      expect(cli(["keys", "revoke", created.id, "--project", "p1", "--data-dir", dir.path]).status).toBe(0);
      const twice = cli(["keys", "revoke", created.id, "--project", "p1", "--data-dir", dir.path]);
      expect(twice.status).toBe(1);
      expect(twice.stderr).toContain("no active key");
    } finally {
      dir.remove();
    }
  });

  it("refuses a bad configuration with exit code 1 and a clear message", () => {
    const res = cli(["start", "--database-url", "mysql://x"]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("postgres://");
    const port = cli(["start", "--retention-days", "-3"]);
    expect(port.status).not.toBe(0);
  });
});
