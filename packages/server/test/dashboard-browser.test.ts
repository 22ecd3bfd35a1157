import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  REPO_ROOT,
  type ServerProcess,
  startServerProcess,
  WebhookReceiver,
  waitFor,
} from "@trusera/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../src/alerts/channels.js";
import { expectText, haveBrowser, launchChromium } from "./browser.js";

const SHOTS = join(REPO_ROOT, "test-artifacts", "dashboard");
const AGENT = fileURLToPath(new URL("./fixtures/governed-agent.mjs", import.meta.url));

const POLICY_WITH_TYPO = `@id("no-stealing")
forbid (principal, action == Action::"api_call", resource)
whenn { context.path like "/steal*" };
`;

/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against a real server
 * process and a running agent governed by trusera-sdk's TruseraInterceptor: sign in, events arrive live, a policy with a typo shows its error at
 * its line, the fixed policy is activated and a call gets blocked, an alert is delivered, signed.
 * playwright-core gives every launch a fresh temporary profile (its own --user-data-dir).
 */
describe.runIf(haveBrowser)("dashboard in a browser", () => {
  let server: ServerProcess;
  let agent: ChildProcess;
  let browser: Browser;
  let page: Page;
  let hook: WebhookReceiver;
  const foreign: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    hook = await new WebhookReceiver().listen();
    server = await startServerProcess({
      env: { TRUSERA_ALERT_TICK_MS: "100", TRUSERA_ALERT_RETRY_BASE_MS: "100", TRUSERA_LOG_LEVEL: "warn" },
    });
    agent = spawn(process.execPath, [AGENT], {
      env: { ...process.env, TRUSERA_API_URL: server.url, TRUSERA_API_KEY: server.apiKey },
      // Each blocked call prints a line on stderr: expected, so not echoed.
      stdio: "ignore",
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(20_000);
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url)) foreign.push(r.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    agent?.kill("SIGTERM");
    await server?.dispose();
    await hook?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it("signs in, streams events live, shows policy errors at their line, blocks a call, delivers an alert", async () => {
    // Sign in with the admin key the server wrote on its first start.
    await page.goto(server.url);
    await page.getByTestId("sign-in-secret").fill(server.apiKey);
    await page.getByTestId("sign-in-submit").click();
    await expectText(page, "project-name", "default");
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === "trusera_session")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
    });

    // Events arrive live: the table grows while we watch, without reloading.
    await page.getByTestId("nav-events").click();
    await waitFor(async () => (await page.getByTestId("live-status").textContent())?.includes("live"), {
      what: "the stream",
    });
    const rows = page.locator("[data-testid=events-table] tbody tr");
    await waitFor(async () => (await rows.count()) >= 2, { what: "events" });
    const before = await rows.count();
    await waitFor(async () => (await rows.count()) >= before + 3, { what: "new events arriving live" });
    await rows.first().click();
    await expectText(page, "event-payload", '"url"');
    await shot("1-live-events");

    // A policy with a typo: the error is shown at its line; fixed, it is saved and activated.
    await page.getByTestId("nav-policies").click();
    await page.getByTestId("policy-text").fill(POLICY_WITH_TYPO);
    await page.getByTestId("policy-save-activate").click();
    await page.getByTestId("error-at-line-3").waitFor();
    await expectText(page, "policy-message", "Not saved");
    expect(await page.getByTestId("error-at-line-1").count()).toBe(0);
    await shot("2-policy-error-at-line");
    await page.getByTestId("policy-text").fill(POLICY_WITH_TYPO.replace("whenn", "when"));
    await page.getByTestId("policy-replay").click();
    await page.getByTestId("replay-report").waitFor();
    expect(Number(await page.getByTestId("replay-allow-to-deny").textContent())).toBeGreaterThan(0);
    await page.getByTestId("policy-save-activate").click();
    await expectText(page, "policy-message", "activated");
    expect(await page.getByTestId("error-at-line-3").count()).toBe(0);
    await shot("3-policy-activated");

    // The interceptor picks the new bundle up; the agent's next call to /steal is blocked in its
    // process and shows up denied, with the policy id.
    await page.getByTestId("nav-events").click();
    await page.getByTestId("filter-decision").selectOption("deny");
    await page.getByTestId("filter-type").selectOption("api_call");
    const denied = page.locator("[data-testid=events-table] tbody tr", { hasText: "/steal" });
    await denied.first().waitFor();
    await denied.first().click();
    await expectText(page, "event-metadata", "no-stealing");
    await shot("4-blocked-call");

    // An alert on violations, delivered to a local receiver with a valid signature.
    await page.getByTestId("nav-alerts").click();
    await page.getByTestId("alert-name").fill("blocked calls");
    await page.getByTestId("alert-url").fill(`${hook.url}/trusera`);
    await page.getByTestId("alert-create").click();
    await expectText(page, "alert-message", "whsec_");
    const secret = /whsec_[\w-]+/.exec((await page.getByTestId("alert-message").textContent()) ?? "")![0];
    await waitFor(() => hook.requests.length > 0, { timeoutMs: 20_000, what: "the webhook" });
    const req = hook.requests[0]!;
    expect(
      verifyWebhookSignature(
        secret,
        {
          timestamp: req.headers["x-trusera-timestamp"] as string,
          signature: req.headers["x-trusera-signature"] as string,
        },
        req.body,
      ),
    ).toBe(true);
    expect(JSON.parse(req.body)).toMatchObject({
      rule: { name: "blocked calls" },
      details: { event: { decision: "deny" } },
    });
    await page.locator("[data-testid=delivery]", { hasText: "delivered" }).first().waitFor();
    await shot("5-alert-delivered");

    await page.getByTestId("nav-overview").click();
    await page.getByTestId("chart-events").waitFor();
    await shot("6-overview");

    // A rule the published Python SDK 1.x cannot express is listed on the policy page.
    const legacy = `${POLICY_WITH_TYPO.replace("whenn", "when")}@id("intern-no-llm")
forbid (principal == Agent::"intern", action == Action::"llm_invoke", resource);
`;
    expect((await server.api("POST", "/api/v1/policies", { policies: legacy, activate: true })).status).toBe(
      201,
    );
    await page.getByTestId("nav-policies").click();
    await expectText(page, "legacy-left-out", "intern-no-llm");
    expect(foreign).toEqual([]);
    // About 12 s on an idle 2-core machine; room for a busy CI run.
  }, 90_000);
});
