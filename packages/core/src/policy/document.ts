import type { SourcePosition } from "../cedar/source-position.js";
import { isJsonObject } from "../events/validate.js";
import { ACTION_CLASSES, type ActionClass, isActionClass } from "./action-classes.js";
import { JsonSyntaxError, type LocatedJson, parseJsonLocated } from "./json-locate.js";

/**
 * One rule of a policy file. Every matcher that is present must match (AND); within a matcher any
 * pattern may match (OR); a rule without matchers matches every action. `*` in a pattern stands for
 * any run of characters, `/` included.
 */
export interface PolicyRule {
  /** Unique within the policy; becomes the Cedar `@id` and the `rule:<id>` reason code. */
  id: string;
  action: "allow" | "deny";
  description?: string;
  /** The action's class is one of these. */
  actionClasses?: ActionClass[];
  /** A host the action reaches matches one of these (`api.example.com`, `*.example.com`). */
  hosts?: string[];
  /** Shell commands only: the command line is, or starts with, one of these (`git push`, `rm -rf *`). */
  commands?: string[];
  /** Shell commands only: the program's name (`git`) or, with a `/`, its path (`/usr/local/bin/*`). */
  binaries?: string[];
  /** A file the action names, as an absolute path, matches one of these (`/etc/*`, `*.pem`, `~/.ssh/*`). */
  paths?: string[];
}

/** The JSON policy format of transient-trace (docs/receipts-policy.md). */
export interface PolicyDocument {
  version: 1;
  /** What happens when no rule matches. */
  defaultAction: "allow" | "deny";
  rules: PolicyRule[];
  name?: string;
  description?: string;
}

/** A fault in a policy, placed by JSON Pointer and, when parsed from text, by line and column. */
export interface PolicyProblem {
  pointer: string;
  message: string;
  line?: number;
  column?: number;
}

export type PolicyParseResult = { ok: true; policy: PolicyDocument } | { ok: false; errors: PolicyProblem[] };

/** What the SDK uses when no policy is given anywhere: everything is denied. */
export const DENY_ALL_POLICY: PolicyDocument = Object.freeze({
  version: 1,
  defaultAction: "deny",
  rules: [],
  name: "default deny-all",
}) as PolicyDocument;

const MATCHERS = ["actionClasses", "hosts", "commands", "binaries", "paths"] as const;
const RULE_MEMBERS = new Set(["id", "action", "description", ...MATCHERS]);
const TOP_MEMBERS = new Set(["version", "defaultAction", "rules", "name", "description", "$schema"]);
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const MAX_RULES = 10_000;
const MAX_PATTERNS = 1_000;
const MAX_PATTERN_LENGTH = 1_024;

/** Reads a policy from JSON text; errors carry line and column. */
export function parsePolicyText(text: string): PolicyParseResult {
  let located: LocatedJson;
  try {
    located = parseJsonLocated(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      return {
        ok: false,
        errors: [{ pointer: "", message: `invalid JSON: ${err.message}`, ...err.position }],
      };
    }
    throw err;
  }
  return validatePolicy(located.value, (pointer) => located.positionOf(pointer));
}

/**
 * Checks a policy value and returns a normalized copy (host patterns lower-cased). Unknown members
 * are errors, so a typo such as `actionClass` fails loudly instead of matching everything.
 */
export function validatePolicy(
  value: unknown,
  locate?: (pointer: string) => SourcePosition,
): PolicyParseResult {
  const errors: PolicyProblem[] = [];
  const err = (pointer: string, message: string) => errors.push({ pointer, message, ...locate?.(pointer) });
  if (!isJsonObject(value)) {
    err("", "a policy must be a JSON object");
    return { ok: false, errors };
  }
  for (const key of Object.keys(value)) {
    if (!TOP_MEMBERS.has(key))
      err(`/${key}#key`, `unknown member "${key}" (known: version, defaultAction, rules, name, description)`);
  }
  if (value.version !== 1) err("/version", `"version" must be 1, got ${JSON.stringify(value.version)}`);
  if (value.defaultAction !== "allow" && value.defaultAction !== "deny")
    err(
      "/defaultAction",
      `"defaultAction" must be "allow" or "deny", got ${JSON.stringify(value.defaultAction)}`,
    );
  for (const k of ["name", "description"] as const) {
    if (value[k] !== undefined && typeof value[k] !== "string") err(`/${k}`, `"${k}" must be a string`);
  }
  const rules: PolicyRule[] = [];
  if (value.rules !== undefined && !Array.isArray(value.rules)) err("/rules", `"rules" must be an array`);
  const list = Array.isArray(value.rules) ? value.rules : [];
  if (list.length > MAX_RULES) err("/rules", `at most ${MAX_RULES} rules`);
  const ids = new Map<string, number>();
  list.forEach((raw: unknown, n: number) => {
    const at = `/rules/${n}`;
    if (!isJsonObject(raw)) {
      err(at, `rule ${n} must be an object`);
      return;
    }
    const label = typeof raw.id === "string" ? `rule "${raw.id}"` : `rule ${n}`;
    for (const key of Object.keys(raw)) {
      if (!RULE_MEMBERS.has(key))
        err(`${at}/${key}#key`, `${label}: unknown member "${key}" (known: ${[...RULE_MEMBERS].join(", ")})`);
    }
    if (typeof raw.id !== "string" || !RULE_ID.test(raw.id)) {
      err(`${at}/id`, `${label}: "id" must be 1-128 characters of letters, digits, "_", ".", ":" or "-"`);
    } else if (ids.has(raw.id)) {
      err(`${at}/id`, `${label}: duplicate id (also rule ${ids.get(raw.id)})`);
    } else if (raw.id.startsWith("trusera.")) {
      err(`${at}/id`, `${label}: ids starting with "trusera." are reserved`);
    } else ids.set(raw.id, n);
    if (raw.action !== "allow" && raw.action !== "deny")
      err(`${at}/action`, `${label}: "action" must be "allow" or "deny", got ${JSON.stringify(raw.action)}`);
    if (raw.description !== undefined && typeof raw.description !== "string")
      err(`${at}/description`, `${label}: "description" must be a string`);
    const rule: PolicyRule = { id: String(raw.id), action: raw.action as "allow" | "deny" };
    if (typeof raw.description === "string") rule.description = raw.description;
    for (const m of MATCHERS) {
      const v = raw[m];
      if (v === undefined) continue;
      if (!Array.isArray(v) || v.length === 0) {
        err(
          `${at}/${m}`,
          `${label}: "${m}" must be a non-empty array of strings (leave it out to match any)`,
        );
        continue;
      }
      if (v.length > MAX_PATTERNS) err(`${at}/${m}`, `${label}: at most ${MAX_PATTERNS} entries in "${m}"`);
      const out: string[] = [];
      v.forEach((p: unknown, k: number) => {
        const problem = patternProblem(m, p);
        if (problem) err(`${at}/${m}/${k}`, `${label}: ${m}[${k}] ${problem}`);
        else out.push(m === "hosts" ? (p as string).toLowerCase() : (p as string));
      });
      (rule as unknown as Record<string, unknown>)[m] = out;
    }
    rules.push(rule);
  });
  if (errors.length > 0) return { ok: false, errors };
  const policy: PolicyDocument = {
    version: 1,
    defaultAction: value.defaultAction as "allow" | "deny",
    rules,
  };
  if (typeof value.name === "string") policy.name = value.name;
  if (typeof value.description === "string") policy.description = value.description;
  return { ok: true, policy };
}

function patternProblem(matcher: (typeof MATCHERS)[number], p: unknown): string | undefined {
  if (typeof p !== "string" || p === "") return "must be a non-empty string";
  if (p.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(p)) return "contains a control character";
  if (matcher === "actionClasses" && !isActionClass(p))
    return `is an unknown action class "${p}" (known: ${ACTION_CLASSES.join(", ")})`;
  if (matcher === "hosts" && !/^[A-Za-z0-9.*:[\]_-]+$/.test(p))
    return `"${p}": a host pattern may hold only letters, digits, ".", "-", ":", "[]" and "*"`;
  if (matcher === "paths" && !(p.startsWith("/") || p.startsWith("*") || p === "~" || p.startsWith("~/")))
    return `"${p}": a path pattern must be absolute, start with "~/" or start with "*"`;
  return undefined;
}

/** "file:3:14: message" lines for people. */
export function formatPolicyProblems(errors: readonly PolicyProblem[], file = "policy"): string {
  return errors
    .map((e) => (e.line ? `${file}:${e.line}:${e.column}: ${e.message}` : `${file}: ${e.message}`))
    .join("\n");
}
