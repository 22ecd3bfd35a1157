import { randomBytes } from "node:crypto";

/** A prefixed random id such as `agt_3f9a1c0b7e2d4a65`: the prefix says what it names. */
export function newId(
  prefix: "prj" | "key" | "agt" | "pol" | "alr" | "alt" | "dlv" | "ses" | "rej" | "rcp" | "srj",
  bytes = 8,
): string {
  return `${prefix}_${randomBytes(bytes).toString("hex")}`;
}

export function nowIso(): string {
  return new Date().toISOString();
}
