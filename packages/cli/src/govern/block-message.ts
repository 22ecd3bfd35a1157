import { type GovernanceDecision, type PolicyDocument, redactText } from "@trusera/core";

const MAX_SHOWN = 120;

/** The action as a person would name it: the command line, or `file.write /x`. Redacted, shortened. */
export function describeAction(text: string): string {
  const t = redactText(text).replace(/\s+/g, " ").trim();
  return t.length > MAX_SHOWN ? `${t.slice(0, MAX_SHOWN - 1)}…` : t;
}

/**
 * The one line a blocked action prints on stderr: what was blocked, which rule (or the default)
 * decided, and how to allow it.
 *
 * @example
 * transient-trace: blocked "rm -rf build" (delete) by rule "no-delete" [strict, policy ./.atp/policy.json];
 * to allow it, narrow or remove rule "no-delete", or use audit mode
 */
export function blockMessage(
  what: string,
  d: GovernanceDecision,
  policy: { document: PolicyDocument; where: string },
  /** For a command: its program's name (an unknown program is best allowed by name, not by class). */
  program?: string,
): string {
  const head = `transient-trace: blocked "${describeAction(what)}" (${d.actionClass})`;
  const where = `[${d.mode}, policy ${policy.where}]`;
  if (d.reasonCode === "policy_error")
    return `${head}: the policy engine could not decide (${d.errors[0] ?? "error"}), which denies ${where}; check the policy with "transient-trace policy check"`;
  if (d.ruleIds.length > 0) {
    const rule = d.ruleIds[0]!;
    return `${head} by rule "${rule}" ${where}; to allow it, narrow or remove rule "${rule}", or use audit mode`;
  }
  // Allowing the class `exec` would allow every unknown program: suggest the program itself instead.
  const byName = program !== undefined && d.actionClass === "exec" && /^[A-Za-z0-9._+-]+$/.test(program);
  const suggestion: Record<string, unknown> = byName
    ? { id: `allow-${program}`, action: "allow", binaries: [program] }
    : { id: `allow-${d.actionClass.replace("_", "-")}`, action: "allow", actionClasses: [d.actionClass] };
  if (!byName && d.hosts.length > 0) suggestion.hosts = d.hosts.slice(0, 3);
  return `${head}: no rule allows it and defaultAction is deny ${where}; to allow it, add a rule such as ${JSON.stringify(suggestion)}`;
}

/** The line printed when no decision could be made and the mode fails closed. */
export function noDecisionMessage(what: string, mode: string, why: string): string {
  return `transient-trace: blocked "${describeAction(what)}": no decision could be made (${why}) and ${mode} mode fails closed; run "transient-trace wrap status" to check the session`;
}
