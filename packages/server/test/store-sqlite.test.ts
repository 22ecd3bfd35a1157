import { tempDir } from "@trusera/testing";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { storeContract } from "./store-contract.js";

storeContract("sqlite", async () => {
  const dir = tempDir("trusera-store-");
  const store = new SqliteStore(`${dir.path}/trusera.sqlite`);
  await store.migrate();
  return {
    store,
    async dispose() {
      await store.close();
      dir.remove();
    },
  };
});
