/**
 * The classes every governed action falls in. Policies allow or deny by class; shell commands get
 * theirs from `classifyCommand`, SDK callers name it.
 */
export const ACTION_CLASSES = ["read", "write_low", "write_high", "delete", "network", "exec"] as const;
export type ActionClass = (typeof ACTION_CLASSES)[number];

const SET: ReadonlySet<string> = new Set(ACTION_CLASSES);

export function isActionClass(value: unknown): value is ActionClass {
  return typeof value === "string" && SET.has(value);
}

/**
 * The class given to a command nobody listed: it runs code we cannot see into, so it is treated as
 * arbitrary execution. A policy that allows `exec` therefore allows every unknown program.
 */
export const UNKNOWN_COMMAND_CLASS: ActionClass = "exec";

// Rank used only to escalate (sudo) and to combine: higher is riskier.
const RANK: Record<ActionClass, number> = {
  read: 0,
  write_low: 1,
  network: 2,
  write_high: 3,
  delete: 4,
  exec: 5,
};

/** The riskier of two classes. */
export function riskier(a: ActionClass, b: ActionClass): ActionClass {
  return RANK[a] >= RANK[b] ? a : b;
}
