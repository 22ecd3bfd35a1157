import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, type ServerProcess, startServerProcess, tempDir } from "@trusera/testing";
import Database from "better-sqlite3";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveBrowser, launchChromium } from "./browser.js";

// Issue 20 item 6: the event listing and the dashboard at 1,000,000 stored events. The events are
// written straight into the server's SQLite file (one transaction, prepared statement) between two
// starts of a real server process; the API and the dashboard in Chromium then page, filter, search
// payload text and show one agent's run. Timings go to test-artifacts/dashboard-volume.json (they
// are reported, never asserted).
const TOTAL = 1_000_000;
const RUN = 500; // events of the agent whose run is viewed
const NEEDLE = "needle-7f3a"; // in the payload of one event only, in the middle of the table
const timings: Record<string, number> = {};

async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await f();
  } finally {
    timings[name] = Math.round(performance.now() - t);
  }
}

describe("1,000,000 stored events", () => {
  const dir = tempDir("trusera-volume-");
  let server: ServerProcess;
  let runAgentId: string;
  let apiKey: string;
  const get = (path: string) => server.api("GET", path, undefined, apiKey);
  const base = Date.now() * 1000 - TOTAL * 1000; // microseconds; one event a millisecond up to now

  beforeAll(async () => {
    const first = await startServerProcess({ dataDir: dir.path, env: { TRUSERA_LOG_LEVEL: "warn" } });
    const reg = await first.api("POST", "/api/v1/agents/register", {
      name: "run-agent",
      framework: "custom",
    });
    runAgentId = reg.body.agent_id;
    apiKey = first.apiKey;
    await first.stop();

    const t0 = performance.now();
    const db = new Database(join(dir.path, "trusera.sqlite"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = OFF");
    const key = (db.prepare("SELECT key FROM projects WHERE name = 'default'").get() as { key: number }).key;
    // All in SQL (a recursive CTE): no call per row from JavaScript. Ids ascend, like UUIDv7 ones.
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :total - 1)
       INSERT INTO events (project_key, id, agent_id, type, name, ts, received_at, payload, metadata, decision)
       SELECT :key, unhex(printf('%032x', i + 1)),
         CASE WHEN i >= :runFrom AND i % 10 = 0 THEN :run ELSE 'agent-' || (i % 50) END,
         CASE i % 5 WHEN 0 THEN 'api_call' WHEN 1 THEN 'tool_call' WHEN 2 THEN 'llm_invoke'
           WHEN 3 THEN 'file_write' ELSE 'policy_violation' END,
         CASE WHEN i >= :runFrom AND i % 10 = 0 THEN 'run step ' || CAST((i - :runFrom) / 10 AS INTEGER)
           ELSE 'GET host-' || (i % 997) || '.example' END,
         :base + i * 1000, :base + i * 1000,
         CASE WHEN i = :needleAt THEN '{"url":"https://files.example/' || :needle || '","i":' || i || '}'
           ELSE '{"url":"https://host-' || (i % 997) || '.example/v1/items/' || i || '","method":"GET","i":' || i || '}' END,
         '{}',
         CASE WHEN i % 5 = 4 THEN 'deny' WHEN i % 3 = 0 THEN 'allow' END
       FROM n`,
    ).run({
      total: TOTAL,
      key,
      runFrom: TOTAL - RUN * 10,
      run: runAgentId,
      base,
      needleAt: TOTAL / 2,
      needle: NEEDLE,
    });
    db.close();
    timings.seed_ms = Math.round(performance.now() - t0);

    server = await startServerProcess({ dataDir: dir.path, env: { TRUSERA_LOG_LEVEL: "warn" } });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    dir.remove();
    mkdirSync(join(REPO_ROOT, "test-artifacts"), { recursive: true });
    writeFileSync(
      join(REPO_ROOT, "test-artifacts", "dashboard-volume.json"),
      `${JSON.stringify(timings, null, 2)}\n`,
    );
  });

  it("pages newest first with a cursor, and a time range", async () => {
    const first = await timed("first_page_ms", () => get("/api/v1/events?limit=100"));
    expect(first.body.events).toHaveLength(100);
    const second = await timed("second_page_ms", () =>
      get(`/api/v1/events?limit=100&cursor=${encodeURIComponent(first.body.next_cursor)}`),
    );
    expect(second.body.events).toHaveLength(100);
    expect(Date.parse(second.body.events[0].timestamp)).toBeLessThan(
      Date.parse(first.body.events[99].timestamp),
    );
    const since = new Date((base + (TOTAL - 60) * 1000) / 1000).toISOString();
    const range = await timed("time_range_ms", () => get(`/api/v1/events?limit=100&since=${since}`));
    expect(range.body.events.length).toBeGreaterThanOrEqual(59);
    expect(range.body.events.length).toBeLessThanOrEqual(61);
  });

  it("searches name and payload text server-side: a rare needle over the whole table, and a common word", async () => {
    const rare = await timed("search_rare_ms", () => get(`/api/v1/events?q=${NEEDLE.toUpperCase()}`));
    expect(rare.body.events).toHaveLength(1);
    expect(rare.body.events[0].payload.url).toContain(NEEDLE);
    const common = await timed("search_common_ms", () => get("/api/v1/events?q=host-42.example&limit=100"));
    expect(common.body.events.length).toBe(100);
    expect(common.body.events.every((e: { name: string }) => e.name.includes("host-42."))).toBe(true);
    // Wildcards in the search are literal text.
    const literal = await get("/api/v1/events?q=%25_%25&limit=5");
    expect(literal.body.events).toHaveLength(0);
  });

  it("shows one agent's run in order", async () => {
    const run = await timed("agent_run_ms", () => get(`/api/v1/events?agent_id=${runAgentId}&limit=500`));
    expect(run.body.events).toHaveLength(RUN);
    const steps = run.body.events.map((e: { name: string }) => Number(e.name.split(" ").at(-1))).reverse();
    expect(steps).toEqual([...Array(RUN).keys()]);
  });

  describe.runIf(haveBrowser)("in Chromium", () => {
    let browser: Browser;
    let page: Page;
    beforeAll(async () => {
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 820, height: 900 } });
      page.setDefaultTimeout(30_000);
      await page.goto(server.url);
      await page.getByTestId("sign-in-secret").fill(apiKey);
      await page.getByTestId("sign-in-submit").click();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it("renders a page at a time, loads older pages, searches payload text, and fits 820 px", async () => {
      await page.goto(`${server.url}/#/events`);
      const rows = page.locator("[data-testid=events-table] tbody tr");
      await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(100);
      await timed("browser_older_ms", async () => {
        await page.getByTestId("load-older").click();
        await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(200);
      });
      // Narrow: the page does not scroll sideways (the sidebar is a bar, wide tables scroll in place).
      const overflow = (await page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth",
      )) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      const sidebar = await page.locator(".sidebar").boundingBox();
      expect(sidebar!.width).toBeGreaterThan(700);
      await timed("browser_search_ms", async () => {
        await page.getByTestId("filter-search").fill(NEEDLE);
        await page.getByTestId("filter-search").press("Enter");
        await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(1);
      });
      expect(await page.getByTestId("live-status").textContent()).toBe("search (not live)");
      // One agent's run, in order: the newest page of its actions, oldest first.
      await page.getByTestId("filter-search").fill("");
      await page.getByTestId("filter-search").press("Enter");
      await page.getByTestId("filter-agent").selectOption(runAgentId);
      await page.getByTestId("run-order").click();
      await expect
        .poll(() => rows.first().locator("td.name").textContent(), { timeout: 20_000 })
        .toBe("run step 400");
      expect(await rows.last().locator("td.name").textContent()).toBe("run step 499");
      const icon = await page.locator("link[rel=icon]").getAttribute("href");
      expect(icon).toBe("/assets/favicon.svg");
      const favicon = await fetch(new URL(icon!, server.url));
      expect(favicon.status).toBe(200);
      expect(favicon.headers.get("content-type")).toBe("image/svg+xml");

      // The overview draws each type on its own chart (one line per type overlapped into one).
      await timed("browser_overview_ms", async () => {
        await page.goto(`${server.url}/#/overview`);
        await expect
          .poll(() => page.locator("[data-testid^=chart-type-] canvas").count(), { timeout: 20_000 })
          .toBe(5);
      });
      const boxes = await page
        .locator("[data-testid^=chart-type-]")
        .evaluateAll((els) =>
          els.map(
            (e) =>
              e.getBoundingClientRect().toJSON() as { x: number; y: number; width: number; height: number },
          ),
        );
      for (const [i, a] of boxes.entries())
        for (const b of boxes.slice(i + 1))
          expect(
            a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y,
          ).toBe(true);
    }, 120_000);
  });
});
