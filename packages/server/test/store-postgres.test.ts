import {
  createTestDatabase,
  POSTGRES_SKIP_MESSAGE,
  postgresTestUrl,
  type TestDatabase,
} from "@trusera/testing";
import { afterAll, beforeAll, describe, it } from "vitest";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { storeContract } from "./store-contract.js";

const base = postgresTestUrl();

if (!base) {
  describe.skip("Store contract: postgres", () => {
    it(POSTGRES_SKIP_MESSAGE, () => {});
  });
} else {
  // One database for the file; every test gets its own schema-free start by truncating.
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(base);
  });
  afterAll(async () => {
    await db?.drop();
  });
  storeContract("postgres", async () => {
    const store = new PostgresStore({ connectionString: db.url, poolSize: 5 });
    await store.migrate();
    await truncateAll(db.url);
    return { store, dispose: () => store.close() };
  });
}

async function truncateAll(url: string) {
  const { default: pg } = await import("pg");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(
      "TRUNCATE suggestion_rejections, sessions, alert_rules, alert_conditions, alerts, alert_deliveries, receipt_keys, receipt_chains, receipts, receipt_rejections, policy_activations, policy_versions, idempotency_keys, events, agents, api_keys, projects RESTART IDENTITY CASCADE",
    );
  } finally {
    await c.end();
  }
}
