import * as net from "node:net";
import { FaultProxy, freePort, type ServerProcess, startServerProcess } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent, EventType, TruseraClient } from "../src/index.js";

// Issue 20 item 5: the warnings say what happened (refused key, connection refused, no answer) and
// what to do, without `debug`, against a real server and a real closed port.
let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess();
});
afterAll(async () => {
  await server?.dispose();
});

function collecting() {
  const warnings: string[] = [];
  const debug: string[] = [];
  return {
    warnings,
    debug,
    logger: { debug: (m: string) => debug.push(m), warn: (m: string) => warnings.push(m) },
  };
}

describe("client messages", () => {
  it("a refused key: registerAgent and a batch say the key was refused, not that the server was unreachable", async () => {
    const log = collecting();
    const c = new TruseraClient({
      apiKey: `tsk_${"0".repeat(32)}`,
      baseUrl: server.url,
      logger: log.logger,
      spool: false,
    });
    await expect(c.registerAgent("wrong-key-agent")).resolves.toBe("wrong-key-agent");
    c.track(createEvent(EventType.DECISION, "d"));
    await c.close();
    const text = log.warnings.join("\n");
    expect(text).toMatch(/registerAgent: the server at http:\/\/127\.0\.0\.1:\d+ refused the API key \(401/);
    expect(text).toMatch(/TRUSERA_API_KEY/);
    expect(text).not.toMatch(/could not reach|connection refused/);
    expect(c.stats.rejected).toBe(1);
  });

  it("a closed port: connection refused is in the warning, with the attempts and the time it really took", async () => {
    const port = await freePort();
    const log = collecting();
    const c = new TruseraClient({
      apiKey: server.apiKey,
      baseUrl: `http://127.0.0.1:${port}`,
      maxRetries: 2,
      closeTimeout: 10_000,
      logger: log.logger,
      spool: false,
    });
    for (let i = 0; i < 3; i++) c.track(createEvent(EventType.DECISION, `d${i}`));
    const started = Date.now();
    await c.close();
    const took = Date.now() - started;
    const text = log.warnings.join("\n");
    expect(took).toBeLessThan(10_000);
    expect(text).toMatch(
      new RegExp(
        `close\\(\\): 3 events could not be delivered \\(connection refused by http://127\\.0\\.0\\.1:${port}: is trusera-server running there\\?`,
      ),
    );
    expect(text).toMatch(/gave up after 3 attempts in \d+\.\d s \(maxRetries 2\)\): lost/);
    expect(text).not.toMatch(/within 10000 ms/);
  });

  it("a server that stops answering in the background: one warning per outage, and one when delivery resumes", async () => {
    const port = await freePort();
    const log = collecting();
    const c = new TruseraClient({
      apiKey: server.apiKey,
      baseUrl: `http://127.0.0.1:${port}`,
      agentId: "outage-agent",
      maxRetries: 1,
      flushInterval: 100,
      logger: log.logger,
      spool: false,
    });
    c.track(createEvent(EventType.DECISION, "first"));
    await c.flush();
    c.track(createEvent(EventType.DECISION, "second"));
    await c.flush();
    const outage = log.warnings.filter((w) => w.startsWith("cannot deliver events"));
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatch(/connection refused by .*; keeping them queued and trying again every 100 ms/);
    const proxy = await new FaultProxy(server.url).listen(port);
    try {
      await c.flush();
      expect(c.stats.sent).toBe(2);
      expect(log.warnings.at(-1)).toBe(`delivering again to http://127.0.0.1:${port}`);
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  it("a server that accepts and never answers: the warning says it did not answer in time", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const { port } = silent.address() as net.AddressInfo;
    const log = collecting();
    try {
      const c = new TruseraClient({
        apiKey: server.apiKey,
        baseUrl: `http://127.0.0.1:${port}`,
        requestTimeout: 200,
        maxRetries: 0,
        logger: log.logger,
        spool: false,
      });
      c.track(createEvent(EventType.DECISION, "d"));
      await c.close();
      expect(log.warnings.join("\n")).toMatch(
        /accepted the connection but did not answer in time \(no response within 200 ms\)/,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
