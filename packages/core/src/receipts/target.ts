/**
 * What a receipt's action was on, in one short line: the command, else the target's id (a file, a
 * host, a tool), else its JSON. `transient-trace receipts list` and the dashboard's receipts page
 * show the same text.
 */
export function receiptTargetText(intent: unknown, max = 80): string {
  const t = ((intent as { target?: unknown } | null)?.target ?? {}) as Record<string, unknown>;
  const text =
    typeof t.command === "string"
      ? t.command
      : typeof t.id === "string"
        ? t.id
        : typeof t.path === "string"
          ? t.path
          : typeof t.host === "string"
            ? t.host
            : JSON.stringify(t);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
