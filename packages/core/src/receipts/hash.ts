import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical.js";

/** Lower-case hex SHA-256 of a text's UTF-8 bytes (or of raw bytes). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `event_snapshot_hash` by the ATP rule: hex SHA-256 of the JCS encoding of the snapshot. */
export function eventSnapshotHash(snapshot: unknown): string {
  return sha256Hex(canonicalJson(snapshot));
}

/** `{ alg: "sha256", digest }` of a JSON value's JCS encoding (ATP `input_hash` / `output_hash`). */
export function contentHash(value: unknown): { alg: "sha256"; digest: string } {
  return { alg: "sha256", digest: sha256Hex(canonicalJson(value)) };
}
