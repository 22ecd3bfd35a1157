import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, type ServerProcess, startServerProcess, waitFor } from "@trusera/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectText, haveBrowser, launchChromium } from "./browser.js";
import { LEARNING_ACTIVE, learningHistory } from "./learning-fixture.js";

const SHOTS = join(REPO_ROOT, "test-artifacts", "dashboard");

interface Listed {
  id: string;
  kind: "allow" | "deny";
  reason: string;
  impact: { allow_to_deny: number; deny_to_allow: number };
}

/**
 * The policy page's "Suggested rules" in a real browser (Debian's Chromium, playwright-core) against a
 * real server process: the suggestions learned from seeded events are listed with their impact; one
 * rejected disappears, one approved becomes the active version. The page's CSP holds throughout.
 */
describe.runIf(haveBrowser)("dashboard: suggested rules", () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const foreign: string[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServerProcess({ env: { TRUSERA_LOG_LEVEL: "warn" } });
    const created = await server.api("POST", "/api/v1/policies", {
      policies: LEARNING_ACTIVE,
      default_decision: "deny",
      activate: true,
    });
    expect(created.status).toBe(201);
    expect((await server.api("POST", "/api/v1/events/batch", { events: learningHistory() })).status).toBe(
      200,
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(20_000);
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url)) foreign.push(r.url());
    });
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it("lists suggestions with their impact; a rejected one disappears, an approved one is the active version", async () => {
    const listed = (await server.api("GET", "/api/v1/policies/suggestions")).body.suggestions as Listed[];
    const deny = listed.find((s) => s.kind === "deny")!;
    const allow = listed.find((s) => s.kind === "allow")!;

    await page.goto(server.url);
    await page.getByTestId("sign-in-secret").fill(server.apiKey);
    await page.getByTestId("sign-in-submit").click();
    await page.getByTestId("nav-policies").click();

    const denyCard = page.getByTestId(`suggestion-${deny.id}`);
    const allowCard = page.getByTestId(`suggestion-${allow.id}`);
    await denyCard.waitFor();
    expect(await denyCard.textContent()).toContain(deny.reason);
    expect(await denyCard.getByTestId("suggestion-impact").textContent()).toContain(
      "1 allow → deny, 0 deny → allow",
    );
    expect(await allowCard.getByTestId("suggestion-impact").textContent()).toContain(
      "0 allow → deny, 6 deny → allow",
    );
    expect(await allowCard.textContent()).toContain('resource.hostname == "registry.example"');
    expect(await allowCard.locator("tbody tr").count()).toBe(3);
    await page.screenshot({ path: join(SHOTS, "7-suggested-rules.png"), fullPage: true });

    await page.getByTestId(`reject-${deny.id}`).click();
    await denyCard.waitFor({ state: "detached" });
    await expectText(page, "suggestion-message", `Rejected ${deny.id}`);
    expect(await allowCard.count()).toBe(1);

    await page.getByTestId(`approve-${allow.id}`).click();
    await expectText(page, "suggestion-message", `Approved ${allow.id}: version 2 is active`);
    await allowCard.waitFor({ state: "detached" });
    await page.getByTestId("no-suggestions").waitFor();
    const top = page.locator("[data-testid=policy-versions] tbody tr").first();
    await waitFor(async () => (await top.getAttribute("data-version")) === "2", { what: "version 2 listed" });
    expect(await top.textContent()).toContain("active");
    expect(await top.textContent()).toContain(`approved suggestion ${allow.id}`);
    // The editor now holds the active set with the rule, so that the next save keeps it.
    expect(await page.getByTestId("policy-text").inputValue()).toContain("registry.example");
    await page.screenshot({ path: join(SHOTS, "8-suggestion-approved.png"), fullPage: true });

    const bundle = await server.api("GET", "/api/v1/policies/bundle");
    expect(bundle.body.policies).toContain('resource.hostname == "registry.example"');
    expect(bundle.body.policies).not.toContain("learned-deny-");
    expect(foreign).toEqual([]);
    expect(refused).toEqual([]);
  }, 60_000);
});
