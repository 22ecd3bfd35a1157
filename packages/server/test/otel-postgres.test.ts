import {
  createTestDatabase,
  POSTGRES_SKIP_MESSAGE,
  postgresTestUrl,
  type ServerProcess,
  startServerProcess,
  type TestDatabase,
} from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJson, spanJson } from "./otel-spans.js";

// The trace lookup filters on the metadata text: checked on Postgres too (a server process on a
// database of its own), when TRUSERA_TEST_DATABASE_URL names one.

const base = postgresTestUrl();
const TRACE = "7c8efff798038103d269b633813fc60c";

if (!base) {
  describe.skip("OTLP ingest on Postgres", () => {
    it(POSTGRES_SKIP_MESSAGE, () => {});
  });
} else {
  describe("OTLP ingest on Postgres", () => {
    let db: TestDatabase;
    let server: ServerProcess;
    beforeAll(async () => {
      db = await createTestDatabase(base);
      server = await startServerProcess({ args: ["--database-url", db.url] });
    });
    afterAll(async () => {
      await server?.dispose();
      await db?.drop();
    });

    it("stores GenAI spans and returns their trace as a tree", async () => {
      const res = await fetch(`${server.url}/v1/traces`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" },
        body: exportJson("pg-agent", [
          spanJson(
            "00f067aa0ba902c7",
            { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" },
            undefined,
            1,
            TRACE,
          ),
          spanJson("00f067aa0ba902c8", { "gen_ai.tool.name": "search" }, "00f067aa0ba902c7", 1, TRACE),
        ]),
      });
      expect(res.status).toBe(200);
      const tree = await server.api("GET", `/api/v1/traces/${TRACE}`);
      expect(tree.status).toBe(200);
      expect(tree.body.roots).toHaveLength(1);
      expect(tree.body.roots[0].children[0]).toMatchObject({ type: "tool_call", name: "search" });
      expect((await server.api("GET", `/api/v1/traces/${TRACE.replace("7c", "8c")}`)).status).toBe(404);
    });
  });
}
