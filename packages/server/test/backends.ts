import { createTestDatabase, postgresTestUrl } from "@trusera/testing";
import type { ServerConfig } from "../src/index.js";

/**
 * The backends an API test runs against: SQLite always, Postgres when a test database is configured
 * (always in CI). Each `setup` returns config overrides for a fresh store and a cleanup.
 */
export interface Backend {
  name: "sqlite" | "postgres";
  setup(): Promise<{ overrides: Partial<ServerConfig>; cleanup: () => Promise<void> }>;
}

const pgUrl = postgresTestUrl();

export const BACKENDS: Backend[] = [
  { name: "sqlite", setup: async () => ({ overrides: {}, cleanup: async () => {} }) },
  ...(pgUrl
    ? [
        {
          name: "postgres" as const,
          async setup() {
            const db = await createTestDatabase(pgUrl);
            return { overrides: { databaseUrl: db.url }, cleanup: () => db.drop() };
          },
        },
      ]
    : []),
];
