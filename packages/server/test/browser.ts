import { existsSync } from "node:fs";
import { waitFor } from "@trusera/testing";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium, which the dashboard's browser tests drive with playwright-core. */
export const CHROMIUM = "/usr/bin/chromium";
export const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI)
  throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

/** Headless, quiet (no update checks, sync or QUIC), each launch with a fresh temporary profile. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  });
}

/** Waits (at most 20 s) until the first element with this test id shows the text. */
export async function expectText(page: Page, testId: string, text: string): Promise<void> {
  await waitFor(async () => (await page.getByTestId(testId).first().textContent())?.includes(text), {
    timeoutMs: 20_000,
    what: `${testId} to show "${text}"`,
  });
}
