/**
 * Signed, chained ATP receipts uploaded by `transient-trace` clients (see Store). The server stores only
 * receipts that verified on ingest (signature with a registered key, and the chain link); a chain is
 * named by the hash of its first receipt.
 */

export interface ReceiptKey {
  kid: string;
  projectId: string;
  /** JSON text of the public JWK. */
  jwk: string;
  createdAt: string;
}

export interface StoredReceipt {
  /** Hex SHA-256 of the receipt's JCS bytes, signature included (what the next receipt's prev_hash is). */
  hash: string;
  chainId: string;
  seq: number;
  prevHash: string;
  receiptId: string;
  kid: string;
  actorId: string;
  action: string;
  actionClass: string;
  outcome: string;
  executionStatus: string;
  occurredAt: string;
  /** The receipt's JCS text, signature included: exactly the bytes that were verified. */
  body: string;
  /** ms since the epoch. */
  receivedAt: number;
}

export interface ReceiptChainRecord {
  id: string;
  projectId: string;
  /** The agent of the newest receipt. */
  actorId: string;
  headSeq: number;
  headHash: string;
  receipts: number;
  createdAt: string;
  updatedAt: string;
  /** The newest re-verification of the stored chain (`POST .../verify`), as JSON text, or null. */
  lastVerification: string | null;
}

export interface ReceiptRejection {
  id: string;
  projectId: string;
  chainId: string | null;
  receiptId: string | null;
  seq: number | null;
  kind: string;
  message: string;
  at: string;
}

export interface ReceiptQuery {
  chainId?: string;
  actorId?: string;
  outcome?: string;
  limit: number;
  /** Continue after this position (newest first). */
  after?: { occurredAt: string; hash: string };
}

export type AppendReceiptsResult =
  | { ok: true; chain: ReceiptChainRecord }
  /** The chain's head is not `after` any more (another upload moved it, or the chain already exists). */
  | { ok: false; head: { seq: number; hash: string } | null };

export interface ReceiptStore {
  /** Registers public keys (a key already registered is kept as it is); returns how many were new. */
  putReceiptKeys(projectId: string, keys: { kid: string; jwk: string }[]): Promise<number>;
  listReceiptKeys(projectId: string): Promise<ReceiptKey[]>;
  /** The stored receipts among these hashes. */
  findReceiptsByHash(
    projectId: string,
    hashes: string[],
  ): Promise<{ hash: string; chainId: string; seq: number }[]>;
  getReceiptChain(projectId: string, chainId: string): Promise<ReceiptChainRecord | null>;
  listReceiptChains(projectId: string): Promise<ReceiptChainRecord[]>;
  /**
   * Appends verified receipts to a chain, atomically, only if its head is still `after` (`{seq: 0}`
   * creates the chain, only if it does not exist).
   */
  appendReceipts(
    projectId: string,
    input: { chainId: string; after: { seq: number; hash: string }; receipts: StoredReceipt[] },
  ): Promise<AppendReceiptsResult>;
  /** Newest first (by occurred_at). */
  listReceipts(projectId: string, query: ReceiptQuery): Promise<StoredReceipt[]>;
  /** Receipts of one chain in chain order from `afterSeq` (exclusive). */
  chainReceipts(
    projectId: string,
    chainId: string,
    afterSeq: number,
    limit: number,
  ): Promise<StoredReceipt[]>;
  getReceipt(projectId: string, receiptId: string): Promise<StoredReceipt | null>;
  recordChainVerification(projectId: string, chainId: string, result: string): Promise<void>;
  recordReceiptRejection(
    projectId: string,
    input: Omit<ReceiptRejection, "id" | "projectId" | "at">,
  ): Promise<void>;
  /** Newest first. */
  listReceiptRejections(projectId: string, limit: number): Promise<ReceiptRejection[]>;
}
