import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * The Postgres server tests may use (`TRUSERA_TEST_DATABASE_URL`), or null when none is configured.
 * In CI (`CI=true`) a missing URL is an error, never a silent skip: .ci/run starts a real server.
 */
export function postgresTestUrl(): string | null {
  const url = process.env.TRUSERA_TEST_DATABASE_URL;
  if (url) return url;
  if (process.env.CI === "true" || process.env.CI === "1") {
    throw new Error(
      "TRUSERA_TEST_DATABASE_URL is not set, and CI needs the Postgres tests to run (see .ci/run)",
    );
  }
  return null;
}

/** Said once per run (postgres-notice.ts, vitest's globalSetup) when the Postgres half is skipped. */
export const POSTGRES_SKIP_MESSAGE =
  "Postgres tests skipped: set TRUSERA_TEST_DATABASE_URL=postgres://user:pass@127.0.0.1:PORT/db to run them";

export interface TestDatabase {
  url: string;
  name: string;
  /** Drops the database (closing every connection to it first). */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the test server, so that every test file starts from nothing and files
 * can run in parallel. The configured user needs CREATEDB.
 */
export async function createTestDatabase(baseUrl: string): Promise<TestDatabase> {
  const name = `trusera_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        // FORCE ends the tests' own connections still open. It refuses (insufficient_privilege) when it
        // meets a backend of no role, such as an autovacuum worker at work on the database that moment:
        // those end within moments, so try again; a plain DROP at last waits for them itself.
        for (let attempt = 0; ; attempt++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            return;
          } catch (err) {
            if ((err as { code?: string }).code !== "42501") throw err;
            if (attempt === 10) {
              await c.query(`DROP DATABASE IF EXISTS ${name}`);
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}
