/**
 * How a decision is applied. `audit` (the default of `transient-trace run`): nothing is blocked,
 * every receipt records what the policy said. `strict`: every deny blocks. `permissive`: only a
 * deny by a matching rule blocks; actions that fall through to a deny-by-default pass, recorded.
 */
export const MODES = ["audit", "strict", "permissive"] as const;
export type Mode = (typeof MODES)[number];

export function isMode(value: unknown): value is Mode {
  return value === "audit" || value === "strict" || value === "permissive";
}
