import { freePort, type ServerProcess, startServerProcess, tempDir } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNode } from "./support/run-node.js";

// These run the BUILT package (dist/index.js and dist/index.cjs, through its exports map) in fresh
// Node processes, the way an application loads it.

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess();
});
afterAll(async () => {
  await server?.dispose();
});

const body = (agent: string) => `
const client = new TruseraClient({ apiKey: process.env.KEY, baseUrl: process.env.URL, agentId: "${agent}" });
for (let i = 0; i < 5; i++) client.track(createEvent(EventType.DECISION, "${agent}-" + i, { i }));
// No flush() and no close(): the events must still be delivered before the process exits.
`;

async function eventsOf(agent: string): Promise<string[]> {
  const res = await server.api("GET", `/api/v1/events?agent_id=${agent}`);
  return (res.body.events as { name: string }[]).map((e) => e.name).sort();
}

describe("the built trusera-sdk package", () => {
  it("works from ESM (import) and flushes pending events on beforeExit", async () => {
    const r = await runNode(
      [
        "--input-type=module",
        "-e",
        `import { TruseraClient, createEvent, EventType } from "trusera-sdk";\n${body("esm-agent")}`,
      ],
      { KEY: server.apiKey, URL: server.url },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await eventsOf("esm-agent")).toEqual([0, 1, 2, 3, 4].map((i) => `esm-agent-${i}`));
  });

  it("works from CommonJS (require) and flushes pending events on beforeExit", async () => {
    const r = await runNode(
      [
        "-e",
        `const { TruseraClient, createEvent, EventType } = require("trusera-sdk");\n${body("cjs-agent")}`,
      ],
      { KEY: server.apiKey, URL: server.url },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await eventsOf("cjs-agent")).toEqual([0, 1, 2, 3, 4].map((i) => `cjs-agent-${i}`));
  });

  it("leaves no unhandled rejection and exits promptly when the server is down", async () => {
    const port = await freePort();
    const spool = tempDir("spool-");
    const started = Date.now();
    const r = await runNode(
      [
        "--input-type=module",
        "-e",
        `import { TruseraClient, createEvent, EventType } from "trusera-sdk";
process.on("unhandledRejection", (e) => { console.error("UNHANDLED", e); process.exit(99); });
const client = new TruseraClient({ apiKey: process.env.KEY, baseUrl: "http://127.0.0.1:${port}", closeTimeout: 1000, spool: { dir: process.env.SPOOL } });
await client.registerAgent("nobody-home");
for (let i = 0; i < 50; i++) client.track(createEvent(EventType.DECISION, "d" + i));
await client.flush();
await client.close();
console.log(JSON.stringify(client.stats));`,
      ],
      { KEY: server.apiKey, SPOOL: spool.path },
    );
    spool.remove();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("UNHANDLED");
    // Nothing lost: what could not be delivered is on disk for the next client (docs/spool.md).
    expect(JSON.parse(r.stdout)).toMatchObject({ sent: 0, dropped: 0, spooled: 50 });
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
