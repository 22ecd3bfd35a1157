import { readFileSync } from "node:fs";
import { isJsonObject, KeyStore, type StatePaths, sha256Hex, TruseraError } from "@trusera/core";

/** Where receipts go: the Trusera server and an API key of its project (ingest is enough). */
export interface UploadTarget {
  /** e.g. `http://127.0.0.1:7780` (TRUSERA_API_URL). */
  url: string;
  /** `tsk_...` (TRUSERA_API_KEY). */
  apiKey: string;
}

export interface UploadReport {
  /** Hash of the log's first receipt: the chain's name on the server. */
  chain: string | null;
  /** Receipts the server holds of this chain after the upload (its head's seq). */
  headSeq: number;
  /** Sent and stored now. */
  uploaded: number;
  /** Receipts the server already had (skipped, or counted as duplicates). */
  alreadyThere: number;
  /** Lines a killed writer left half-written: never sent. */
  skippedLines: number;
  keys: string[];
}

export class UploadError extends TruseraError {
  constructor(
    message: string,
    readonly status: number | null = null,
    readonly details: unknown[] = [],
  ) {
    super(message, "TRANSIENT_TRACE_UPLOAD");
    this.name = "UploadError";
  }
}

const BATCH = 500;

async function call(
  target: UploadTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(new URL(path, target.url), {
      method,
      headers: {
        authorization: `Bearer ${target.apiKey}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new UploadError(`cannot reach ${target.url}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

function fail(what: string, res: { status: number; body: unknown }): never {
  const e = (res.body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)
    ?.error;
  throw new UploadError(
    `${what}: ${res.status} ${e?.code ?? ""} ${e?.message ?? String(res.body ?? "")}`.trim(),
    res.status,
    Array.isArray(e?.details) ? e.details : [],
  );
}

/**
 * The server's head must be a receipt of this log, byte for byte: a chain only grows at its head, so
 * a local log that lacks it, or holds another receipt at its seq (rewritten and re-signed after an
 * upload), has diverged from the copy the server keeps as evidence. That is never "already there".
 */
function checkServerHead(
  lines: readonly { text: string; seq: number }[],
  seq: number,
  hash: unknown,
  target: UploadTarget,
): void {
  const mine = lines.find((l) => l.seq === seq);
  const last = lines.at(-1)!;
  if (!mine)
    throw new UploadError(
      `the local log DIVERGES from the server's copy: ${target.url} holds this chain up to seq ${seq}, but the local log ends at seq ${last.seq}: receipts after seq ${last.seq} were removed locally (run "transient-trace receipts verify")`,
    );
  if (typeof hash !== "string" || sha256Hex(mine.text) !== hash) {
    const id = (JSON.parse(mine.text) as { receipt_id?: string }).receipt_id ?? "receipt";
    throw new UploadError(
      `the local log DIVERGES from the server's copy: ${id} (seq ${seq}) differs from the receipt the server holds at seq ${seq} (hash ${String(hash).slice(0, 16)}…, local ${sha256Hex(mine.text).slice(0, 16)}…): the local log was rewritten after it was uploaded; nothing was sent`,
    );
  }
}

/**
 * Sends the receipts of a state directory that the server does not have yet: registers the public
 * keys (JWKS), asks the server for the head of this log's chain, then uploads the rest in log order,
 * in batches. The server verifies every receipt and link and refuses a log rewritten after an earlier
 * upload (409 chain_fork). Safe to run again at any time: what is there already is skipped.
 */
export async function uploadReceipts(paths: StatePaths, target: UploadTarget): Promise<UploadReport> {
  let text = "";
  try {
    text = readFileSync(paths.log, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      throw new UploadError(`cannot read ${paths.log}: ${(err as Error).message}`);
  }
  const lines: { text: string; seq: number }[] = [];
  let skippedLines = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skippedLines++;
      continue;
    }
    const seq = isJsonObject(value) && isJsonObject(value.chain) ? value.chain.seq : undefined;
    if (typeof seq !== "number") {
      skippedLines++;
      continue;
    }
    lines.push({ text: line, seq });
  }
  const keys = new KeyStore(paths).jwks().keys;
  const report: UploadReport = {
    chain: null,
    headSeq: 0,
    uploaded: 0,
    alreadyThere: 0,
    skippedLines,
    keys: keys.map((k) => k.kid),
  };
  const first = lines[0];
  if (!first) return report;
  if (first.seq !== 1)
    throw new UploadError(`the log starts at seq ${first.seq}, not 1: it cannot be uploaded`);
  // Each line is the receipt's JCS text, so its hash is the one the server names the chain by.
  report.chain = sha256Hex(first.text);

  const registered = await call(target, "POST", "/api/v1/receipts/keys", {
    keys: keys.map(({ kty, crv, x, kid, alg, use }) => ({ kty, crv, x, kid, alg, use })),
  });
  if (registered.status !== 200) fail("registering the public keys failed", registered);
  const head = await call(target, "GET", `/api/v1/receipts/chains/${report.chain}`);
  if (head.status !== 200 && head.status !== 404) fail("asking for the chain's head failed", head);
  const stored = head.status === 200 ? Number((head.body as { head_seq: number }).head_seq) : 0;
  report.headSeq = stored;
  if (stored > 0) checkServerHead(lines, stored, (head.body as { head_hash?: unknown }).head_hash, target);
  const todo = lines.filter((l) => l.seq > stored);
  report.alreadyThere = lines.length - todo.length;
  for (let i = 0; i < todo.length; i += BATCH) {
    const batch = todo.slice(i, i + BATCH);
    // Naming the chain lets the server check the link to the receipt it holds before this batch, and
    // so tell a log rewritten after the last upload (409 chain_fork).
    const res = await call(target, "POST", "/api/v1/receipts/batch", {
      chain_id: report.chain,
      receipts: batch.map((l) => JSON.parse(l.text) as unknown),
    });
    if (res.status !== 200)
      fail(`the server refused receipts seq ${batch[0]!.seq}-${batch.at(-1)!.seq}`, res);
    const answer = res.body as { accepted: number; chain: { head_seq: number } };
    report.uploaded += answer.accepted;
    report.headSeq = answer.chain.head_seq;
  }
  return report;
}
