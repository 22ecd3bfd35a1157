import { newId, nowIso } from "../ids.js";
import { type Row, toReceipt, toReceiptChain, toReceiptKey, toRejection } from "../rows.js";
import type {
  AppendReceiptsResult,
  ReceiptChainRecord,
  ReceiptKey,
  ReceiptQuery,
  ReceiptRejection,
  ReceiptStore,
  StoredReceipt,
} from "../types.js";
import type { PgClient, Queryable } from "./pg-client.js";

const SQL = {
  putKey:
    "INSERT INTO receipt_keys (project_id, kid, jwk, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
  keys: "SELECT * FROM receipt_keys WHERE project_id = $1 ORDER BY created_at, kid",
  chain: "SELECT * FROM receipt_chains WHERE project_id = $1 AND id = $2",
  lockChain: "SELECT * FROM receipt_chains WHERE project_id = $1 AND id = $2 FOR UPDATE",
  chains: "SELECT * FROM receipt_chains WHERE project_id = $1 ORDER BY updated_at DESC, id",
  insertChain: `INSERT INTO receipt_chains (project_id, id, actor_id, head_seq, head_hash, receipts, created_at, updated_at)
    VALUES ($1, $2, $3, 0, '', 0, $4, $4) ON CONFLICT DO NOTHING RETURNING 1`,
  moveHead: `UPDATE receipt_chains SET actor_id = $1, head_seq = $2, head_hash = $3, receipts = receipts + $4, updated_at = $5
    WHERE project_id = $6 AND id = $7 RETURNING *`,
  insertReceipts: `INSERT INTO receipts (project_id, hash, chain_id, seq, prev_hash, receipt_id, kid, actor_id, action,
      action_class, outcome, execution_status, occurred_at, body, received_at)
    SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[],
      $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[])`,
  byHash: "SELECT hash, chain_id, seq FROM receipts WHERE project_id = $1 AND hash = ANY($2::text[])",
  chainReceipts:
    "SELECT * FROM receipts WHERE project_id = $1 AND chain_id = $2 AND seq > $3 ORDER BY seq LIMIT $4",
  byReceiptId: "SELECT * FROM receipts WHERE project_id = $1 AND receipt_id = $2 LIMIT 1",
  verified: "UPDATE receipt_chains SET last_verification = $1 WHERE project_id = $2 AND id = $3",
  reject: `INSERT INTO receipt_rejections (id, project_id, chain_id, receipt_id, seq, kind, message, at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  rejections: "SELECT * FROM receipt_rejections WHERE project_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
} as const;

/** Uploaded receipts, their chains and the keys that verify them, in Postgres. */
export class PostgresReceipts implements ReceiptStore {
  readonly #queries = new Map<string, string>();

  constructor(private readonly db: PgClient) {}

  private async q(name: keyof typeof SQL, values: unknown[], db?: Queryable): Promise<Row[]> {
    return (await this.db.run(`receipts_${name}`, SQL[name], values, db)).rows as Row[];
  }

  async putReceiptKeys(projectId: string, keys: { kid: string; jwk: string }[]): Promise<number> {
    const at = nowIso();
    let added = 0;
    for (const k of keys) added += (await this.q("putKey", [projectId, k.kid, k.jwk, at])).length;
    return added;
  }

  async listReceiptKeys(projectId: string): Promise<ReceiptKey[]> {
    return (await this.q("keys", [projectId])).map(toReceiptKey);
  }

  async findReceiptsByHash(projectId: string, hashes: string[]) {
    if (hashes.length === 0) return [];
    return (await this.q("byHash", [projectId, hashes])).map((r) => ({
      hash: r.hash as string,
      chainId: r.chain_id as string,
      seq: Number(r.seq),
    }));
  }

  async getReceiptChain(projectId: string, chainId: string): Promise<ReceiptChainRecord | null> {
    const row = (await this.q("chain", [projectId, chainId]))[0];
    return row ? toReceiptChain(row) : null;
  }

  async listReceiptChains(projectId: string): Promise<ReceiptChainRecord[]> {
    return (await this.q("chains", [projectId])).map(toReceiptChain);
  }

  async appendReceipts(
    projectId: string,
    input: { chainId: string; after: { seq: number; hash: string }; receipts: StoredReceipt[] },
  ): Promise<AppendReceiptsResult> {
    return this.db.transaction(async (client): Promise<AppendReceiptsResult> => {
      const fresh = input.after.seq === 0;
      if (fresh) {
        // A new chain starts as an empty row, locked by this transaction until it commits.
        const made = await this.q("insertChain", [projectId, input.chainId, "", nowIso()], client);
        if (made.length === 0) {
          const row = (await this.q("chain", [projectId, input.chainId], client))[0];
          return {
            ok: false,
            head: row ? { seq: Number(row.head_seq), hash: row.head_hash as string } : null,
          };
        }
      } else {
        const row = (await this.q("lockChain", [projectId, input.chainId], client))[0];
        const head = row ? { seq: Number(row.head_seq), hash: row.head_hash as string } : null;
        if (!head || head.seq !== input.after.seq || head.hash !== input.after.hash)
          return { ok: false, head };
      }
      const rs = input.receipts;
      const last = rs.at(-1);
      if (last) {
        await this.q(
          "insertReceipts",
          [
            projectId,
            rs.map((r) => r.hash),
            rs.map((r) => r.chainId),
            rs.map((r) => r.seq),
            rs.map((r) => r.prevHash),
            rs.map((r) => r.receiptId),
            rs.map((r) => r.kid),
            rs.map((r) => r.actorId),
            rs.map((r) => r.action),
            rs.map((r) => r.actionClass),
            rs.map((r) => r.outcome),
            rs.map((r) => r.executionStatus),
            rs.map((r) => r.occurredAt),
            rs.map((r) => r.body),
            rs.map((r) => r.receivedAt),
          ],
          client,
        );
      }
      const row = last
        ? (
            await this.q(
              "moveHead",
              [last.actorId, last.seq, last.hash, rs.length, nowIso(), projectId, input.chainId],
              client,
            )
          )[0]
        : (await this.q("chain", [projectId, input.chainId], client))[0];
      return { ok: true, chain: toReceiptChain(row!) };
    });
  }

  async listReceipts(projectId: string, q: ReceiptQuery): Promise<StoredReceipt[]> {
    const args: unknown[] = [projectId];
    const p = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    const where = ["project_id = $1"];
    if (q.chainId !== undefined) where.push(`chain_id = ${p(q.chainId)}`);
    if (q.actorId !== undefined) where.push(`actor_id = ${p(q.actorId)}`);
    if (q.outcome !== undefined) where.push(`outcome = ${p(q.outcome)}`);
    if (q.after) where.push(`(occurred_at, hash) < (${p(q.after.occurredAt)}, ${p(q.after.hash)})`);
    const text = `SELECT * FROM receipts WHERE ${where.join(" AND ")} ORDER BY occurred_at DESC, hash DESC LIMIT ${p(q.limit)}`;
    let name = this.#queries.get(text);
    if (!name) {
      name = `receipts_list${this.#queries.size}`;
      this.#queries.set(text, name);
    }
    return ((await this.db.run(name, text, args)).rows as Row[]).map(toReceipt);
  }

  async chainReceipts(projectId: string, chainId: string, afterSeq: number, limit: number) {
    return (await this.q("chainReceipts", [projectId, chainId, afterSeq, limit])).map(toReceipt);
  }

  async getReceipt(projectId: string, receiptId: string): Promise<StoredReceipt | null> {
    const row = (await this.q("byReceiptId", [projectId, receiptId]))[0];
    return row ? toReceipt(row) : null;
  }

  async recordChainVerification(projectId: string, chainId: string, result: string): Promise<void> {
    await this.q("verified", [result, projectId, chainId]);
  }

  async recordReceiptRejection(
    projectId: string,
    input: Omit<ReceiptRejection, "id" | "projectId" | "at">,
  ): Promise<void> {
    await this.q("reject", [
      newId("rej"),
      projectId,
      input.chainId,
      input.receiptId,
      input.seq,
      input.kind,
      input.message,
      nowIso(),
    ]);
  }

  async listReceiptRejections(projectId: string, limit: number): Promise<ReceiptRejection[]> {
    return (await this.q("rejections", [projectId, limit])).map(toRejection);
  }
}
