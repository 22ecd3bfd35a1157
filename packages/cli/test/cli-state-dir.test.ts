import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { run, seed } from "./helpers.js";

const home = tempDir("tt-home-");
afterAll(() => home.remove());

describe("state directory from the config", () => {
  it("puts keys and receipts where `config set state_dir` says, when no env variable overrides it", async () => {
    const env = { HOME: home.path, TRANSIENT_TRACE_STATE_DIR: "" };
    expect(run(["config", "set", "state_dir", "custom-state"], home.path, { env }).code).toBe(0);
    expect(
      JSON.parse(readFileSync(join(home.path, ".transient-trace", "config.json"), "utf8")).state_dir,
    ).toBe(join(home.path, "custom-state"));
    const shown = JSON.parse(run(["config", "show", "--json"], home.path, { env }).stdout);
    expect(shown.state_dir).toEqual({ value: join(home.path, "custom-state"), source: "config" });
    await seed(join(home.path, "custom-state"), 2);
    const listed = run(["receipts", "list"], home.path, { env });
    expect(listed.stdout.trim().split("\n")).toHaveLength(3); // the header and 2 receipts
  });
});
