import type pg from "pg";
import type { Row } from "../rows.js";
import { SQL, type StatementName } from "./statements.js";

export type Queryable = pg.Pool | pg.PoolClient;

/** Named statements (prepared once per connection) and transactions over the pool. */
export class PgClient {
  constructor(readonly pool: pg.Pool) {}

  async q(name: StatementName, values: unknown[], db: Queryable = this.pool): Promise<Row[]> {
    const res = await db.query({ name, text: SQL[name], values });
    return res.rows as Row[];
  }

  /** A named statement kept outside the SQL table (the feature files of the store hold their own). */
  async run(
    name: string,
    text: string,
    values: unknown[],
    db: Queryable = this.pool,
  ): Promise<pg.QueryResult> {
    return db.query({ name, text, values });
  }

  async one(name: StatementName, values: unknown[], db?: Queryable): Promise<Row | undefined> {
    return (await this.q(name, values, db))[0];
  }

  /** Rows changed by a named statement. */
  async changed(name: StatementName, values: unknown[]): Promise<number> {
    const res = await this.pool.query({ name, text: SQL[name], values });
    return res.rowCount ?? 0;
  }

  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
}
