import type { PolicyDocument, PolicyRule } from "./document.js";

/** A Cedar string literal: `"`, `\` and control characters escaped the way Cedar reads them. */
export function cedarString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (c < 0x20 || c === 0x7f) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A Cedar `like` pattern from ours: `*` stays a wildcard (Cedar's own), everything else is literal. */
export function cedarPattern(glob: string): string {
  return cedarString(glob);
}

/**
 * `(a || b || ...)`. Past 8 alternatives the list is split in halves and nested, so that a rule with
 * hundreds of hosts or paths stays a shallow expression: the engine evaluates `||` recursively, and text
 * deeper than the bound in cedar/text-bounds.ts is refused before it gets there.
 */
function anyOf(tests: string[]): string {
  if (tests.length === 1) return tests[0]!;
  if (tests.length <= 8) return `(${tests.join(" || ")})`;
  const half = Math.ceil(tests.length / 2);
  return `(${anyOf(tests.slice(0, half))} || ${anyOf(tests.slice(half))})`;
}

const like = (subject: string, pattern: string) =>
  pattern.includes("*")
    ? `${subject} like ${cedarPattern(pattern)}`
    : `${subject} == ${cedarString(pattern)}`;

function expandHome(pattern: string, home: string): string {
  if (pattern === "~") return home;
  return pattern.startsWith("~/") ? `${home.replace(/\/$/, "")}${pattern.slice(1)}` : pattern;
}

/** The Cedar conditions of one rule, in a fixed order; empty when the rule matches everything. */
function conditions(rule: PolicyRule, home: string): string[] {
  const out: string[] = [];
  if (rule.actionClasses)
    out.push(`[${rule.actionClasses.map(cedarString).join(", ")}].contains(context.action_class)`);
  if (rule.binaries)
    out.push(anyOf(rule.binaries.map((b) => like(b.includes("/") ? "resource.binary" : "resource.name", b))));
  if (rule.commands)
    out.push(
      anyOf(
        rule.commands.flatMap((c) =>
          c.endsWith("*")
            ? [like("context.command", c)]
            : [like("context.command", c), like("context.command", `${c} *`)],
        ),
      ),
    );
  if (rule.hosts) out.push(`context.host != "" && ${anyOf(rule.hosts.map((h) => like("context.host", h)))}`);
  if (rule.paths)
    out.push(
      `context.path != "" && ${anyOf(rule.paths.map((p) => like("context.path", expandHome(p, home))))}`,
    );
  return out;
}

/**
 * Translates a policy into Cedar over the request model (REQUEST_MODEL_SCHEMA): one `permit` or
 * `forbid` per rule, `@id` the rule's id. A rule with `commands` or `binaries` applies to shell
 * commands only; any other rule to shell commands and SDK/hook actions alike. `defaultAction` is not
 * a policy: it is the `defaultDecision` the set is compiled with.
 */
export function policyToCedar(policy: PolicyDocument, { home = "/" }: { home?: string } = {}): string {
  return policy.rules
    .map((rule) => {
      const effect = rule.action === "allow" ? "permit" : "forbid";
      const shellOnly = rule.commands !== undefined || rule.binaries !== undefined;
      const scope = shellOnly
        ? `action == Action::"shell_exec"`
        : `action in [Action::"shell_exec", Action::"agent_action"]`;
      const when = conditions(rule, home);
      const head = `@id(${cedarString(rule.id)})\n${effect} (principal, ${scope}, resource)`;
      return when.length === 0 ? `${head};` : `${head}\nwhen {\n  ${when.join(" &&\n  ")}\n};`;
    })
    .join("\n\n");
}

/** Whether any rule looks at hosts / paths: only then is an action decided once per host / file. */
export function policyUses(policy: PolicyDocument): { hosts: boolean; paths: boolean } {
  return {
    hosts: policy.rules.some((r) => r.hosts !== undefined),
    paths: policy.rules.some((r) => r.paths !== undefined),
  };
}
