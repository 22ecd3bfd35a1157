import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  FaultProxy,
  freePort,
  REPO_ROOT,
  type ServerProcess,
  startServerProcess,
  tempDir,
} from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Issue 16 item 5, with real processes: a real server behind a real proxy, an agent process that
 * tracks 400 events, an outage, the agent ending (process.exit, SIGTERM, a normal end), a restarted
 * agent, the server back: every event in the store exactly once.
 */
const AGENT = fileURLToPath(new URL("./fixtures/spool-agent.mjs", import.meta.url));

let server: ServerProcess;
let proxy: FaultProxy;
let dead: string;
const dirs: { remove(): void }[] = [];
beforeAll(async () => {
  server = await startServerProcess();
  proxy = await new FaultProxy(server.url).listen();
  dead = `http://127.0.0.1:${await freePort()}`; // nobody listens: the server is "down"
});
afterAll(async () => {
  await proxy?.close();
  await server?.dispose();
  for (const d of dirs) d.remove();
});

/** A line an agent prints: where it is, and its client's counters. */
interface AgentMsg {
  phase: string;
  stats: { sent: number; recovered: number; dropped: number; spooled: number };
}

interface Agent {
  child: ChildProcess;
  /** Resolves with the next line the agent prints whose phase is `phase`. */
  next(phase: string): Promise<AgentMsg>;
  exited: Promise<number | null>;
  stderr(): string;
}

function agent(env: Record<string, string>): Agent {
  const child = spawn(process.execPath, [AGENT], {
    cwd: REPO_ROOT,
    env: { ...process.env, TRUSERA_API_URL: proxy.url, TRUSERA_API_KEY: server.apiKey, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: AgentMsg[] = [];
  const waiting: { phase: string; resolve: (v: AgentMsg) => void }[] = [];
  let buffered = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  child.stdout!.on("data", (d) => {
    buffered += d;
    for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
      const msg = JSON.parse(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
      const w = waiting.findIndex((x) => x.phase === msg.phase);
      if (w >= 0) waiting.splice(w, 1)[0]!.resolve(msg);
      else lines.push(msg);
    }
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 40_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code, signal) => {
      clearTimeout(killer);
      resolve(signal ? -1 : code);
    }),
  );
  return {
    child,
    exited,
    stderr: () => err,
    next: (phase) => {
      const i = lines.findIndex((l) => l.phase === phase);
      if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        waiting.push({ phase, resolve });
        exited.then(() => setTimeout(() => reject(new Error(`agent exited before "${phase}": ${err}`)), 50));
      });
    },
  };
}

/** Every stored event of an agent, by name (follows the cursor). */
async function storedNames(agentId: string): Promise<string[]> {
  const names: string[] = [];
  let cursor = "";
  for (let page = 0; page < 50; page++) {
    const res = await server.api(
      "GET",
      `/api/v1/events?agent_id=${encodeURIComponent(agentId)}&limit=500${cursor ? `&cursor=${cursor}` : ""}`,
    );
    names.push(...res.body.events.map((e: { name: string }) => e.name));
    if (!res.body.next_cursor) break;
    cursor = encodeURIComponent(res.body.next_cursor);
  }
  return names;
}

const spoolFiles = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());

describe("the disk spool: no event lost or doubled when the agent ends during an outage", () => {
  for (const mode of ["exit", "sigterm", "normal"] as const) {
    it(`ends with ${mode === "exit" ? "process.exit" : mode === "sigterm" ? "SIGTERM" : "a normal end"}`, async () => {
      const spool = tempDir("spool-");
      dirs.push(spool);
      const name = `spool-${mode}`;
      proxy.upstream = server.url;
      const first = agent({ AGENT_MODE: mode, AGENT_NAME: name, AGENT_SPOOL: spool.path });
      expect((await first.next("sent")).stats).toMatchObject({ sent: 100 });
      proxy.upstream = dead;
      first.child.stdin!.write("down\n");
      const code = await first.exited;
      expect(code).toBe(mode === "sigterm" ? -1 : 0);
      // Nothing silent: the agent says how many it kept, and where.
      expect(first.stderr()).toMatch(/events were not delivered when .*kept in /);
      const files = spoolFiles(spool.path);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(statSync(join(f.parentPath, f.name)).mode & 0o777).toBe(0o600);
      expect(statSync(files[0]!.parentPath).mode & 0o777).toBe(0o700);

      // The restart comes up during the outage; the server returns a moment later.
      const second = agent({
        AGENT_MODE: "recover",
        AGENT_NAME: name,
        AGENT_SPOOL: spool.path,
        AGENT_EXPECT: "300",
        AGENT_OWN: "0",
      });
      await second.next("started");
      await new Promise((r) => setTimeout(r, 300));
      proxy.upstream = server.url;
      const done = await second.next("done");
      expect(await second.exited).toBe(0);
      expect(done.stats).toMatchObject({ recovered: 300, dropped: 0 });
      const names = await storedNames(name);
      expect(names).toHaveLength(400);
      expect(new Set(names).size).toBe(400);
      expect(spoolFiles(spool.path)).toHaveLength(0);
    });
  }

  it("keeps the events of intercepted calls still on the event thread when the process exits", async () => {
    const spool = tempDir("spool-");
    dirs.push(spool);
    const name = "spool-intercepted";
    proxy.upstream = server.url;
    const first = agent({
      AGENT_MODE: "exit",
      AGENT_NAME: name,
      AGENT_SPOOL: spool.path,
      AGENT_FETCHES: "50",
    });
    expect((await first.next("sent")).stats).toMatchObject({ sent: 100 });
    proxy.upstream = dead;
    first.child.stdin!.write("down\n");
    expect(await first.exited).toBe(0);
    const second = agent({
      AGENT_MODE: "recover",
      AGENT_NAME: name,
      AGENT_SPOOL: spool.path,
      AGENT_EXPECT: "350",
      AGENT_OWN: "0",
    });
    await second.next("started");
    proxy.upstream = server.url;
    const done = await second.next("done");
    expect(done.stats).toMatchObject({ recovered: 350, dropped: 0 });
    const names = await storedNames(name);
    expect(names.filter((n) => n.startsWith("GET http://127.0.0.1:"))).toHaveLength(50);
    expect(new Set(names).size).toBe(450);
  });

  for (const mode of ["exit", "sigterm", "normal"] as const) {
    it(`with the spool off, an end by ${mode} during an outage prints how many it lost`, async () => {
      proxy.upstream = server.url;
      const a = agent({ AGENT_MODE: mode, AGENT_NAME: `spool-off-${mode}`, AGENT_SPOOL: "off" });
      await a.next("sent");
      proxy.upstream = dead;
      a.child.stdin!.write("down\n");
      await a.exited;
      const when = mode === "sigterm" ? "the process received SIGTERM" : "the process exited";
      expect(a.stderr()).toContain(
        `300 events were not delivered when ${when} (the disk spool is off): lost`,
      );
      proxy.upstream = server.url;
    });
  }

  it("two clients sharing a spool never send one batch twice", async () => {
    const spool = tempDir("spool-");
    dirs.push(spool);
    proxy.upstream = server.url;
    const first = agent({
      AGENT_MODE: "exit",
      AGENT_NAME: "spool-shared",
      AGENT_SPOOL: spool.path,
      AGENT_BATCH: "10",
    });
    await first.next("sent");
    proxy.upstream = dead;
    first.child.stdin!.write("down\n");
    await first.exited;
    expect(spoolFiles(spool.path).length).toBeGreaterThanOrEqual(20);
    proxy.upstream = server.url;
    const sentBefore = proxy.requests.length;
    const recover = {
      AGENT_MODE: "recover",
      AGENT_NAME: "spool-shared",
      AGENT_SPOOL: spool.path,
      AGENT_BATCH: "10",
    };
    const [a, b] = [agent({ ...recover, AGENT_EXPECT: "0" }), agent({ ...recover, AGENT_EXPECT: "0" })];
    const [da, db] = await Promise.all([a.next("done"), b.next("done")]);
    expect([await a.exited, await b.exited]).toEqual([0, 0]);
    expect(da.stats.recovered + db.stats.recovered).toBe(300);
    const posted = proxy.requests
      .slice(sentBefore)
      .filter((r) => r.url.startsWith("/api/v1/events/batch") && r.status === 200)
      .flatMap((r) => JSON.parse(r.body).events.map((e: { name: string }) => e.name));
    expect(posted).toHaveLength(300);
    expect(new Set(posted).size).toBe(300);
    const names = await storedNames("spool-shared");
    expect(names).toHaveLength(400);
    expect(new Set(names).size).toBe(400);
  });
});
