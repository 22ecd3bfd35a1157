import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tempDir } from "@trusera/testing";
import { describe, expect, it } from "vitest";
import type { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { storeContract } from "./store-contract.js";

/**
 * The SQLite contract again, with events written by the writer thread, as the built server does. The
 * worker is a built file (dist/sqlite-writer.js), so this runs the built store; `npm test` builds first.
 */
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

describe.runIf(existsSync(DIST))("SQLite writer thread", () => {
  it("is what the built store uses for a file", async () => {
    const { SqliteStore: Built } = (await import(DIST)) as { SqliteStore: typeof SqliteStore };
    const dir = tempDir("trusera-store-");
    const store = new Built(`${dir.path}/t.sqlite`);
    await store.migrate();
    expect(store.writerMode).toBe("thread");
    expect(new Built(":memory:").writerMode).toBe("inline");
    await store.close();
    dir.remove();
  });
});

if (existsSync(DIST)) {
  storeContract("sqlite, writer thread", async () => {
    const { SqliteStore: Built } = (await import(DIST)) as { SqliteStore: typeof SqliteStore };
    const dir = tempDir("trusera-store-");
    const store = new Built(`${dir.path}/trusera.sqlite`, { writer: "thread" });
    await store.migrate();
    return {
      store,
      async dispose() {
        await store.close();
        dir.remove();
      },
    };
  });
}
