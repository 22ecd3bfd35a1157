import { randomInt } from "node:crypto";

let counter = 0;

/**
 * The digits shared by one receipt's `TR-`, `TI-` and `TD-` ids: milliseconds since the epoch (13
 * digits), a per-process counter (3) and a random part (6), so ids sort by time and two processes
 * writing in the same millisecond do not collide in practice.
 */
export function newIdDigits(nowMs = Date.now()): string {
  counter = (counter + 1) % 1000;
  return `${nowMs}${String(counter).padStart(3, "0")}${String(randomInt(1_000_000)).padStart(6, "0")}`;
}

export interface ReceiptIds {
  receipt_id: string;
  intent_id: string;
  decision_id: string;
}

/** A fresh `{ receipt_id: "TR-…", intent_id: "TI-…", decision_id: "TD-…" }` with the same digits. */
export function newReceiptIds(nowMs?: number): ReceiptIds {
  const d = newIdDigits(nowMs);
  return { receipt_id: `TR-${d}`, intent_id: `TI-${d}`, decision_id: `TD-${d}` };
}

export const RECEIPT_ID_PATTERN = /^TR-\d+$/;
export const INTENT_ID_PATTERN = /^TI-\d+$/;
export const DECISION_ID_PATTERN = /^TD-\d+$/;
