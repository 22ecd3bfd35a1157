import { loadCedar } from "@trusera/core";

/**
 * Down-levels a Cedar policy set to the rule dialect of the published Python SDK 1.x (PyPI
 * `trusera-sdk` <= 1.2), whose policy cache reads `GET /api/v1/policies/cedar` as a list of
 * `{cedar_dsl, enabled}` and parses each text with two regular expressions (its `cedar.py`):
 *
 *   forbid (principal, action == Action::"<word>", resource) when { request.<field> <op> "<value>" };
 *
 * with fields `url`, `hostname`, `path`, `method`, `scheme`, operators `==`, `!=`, `contains`,
 * `startswith`, `endswith`, comparisons made without regard to case. It ignores the principal and the
 * action, reads every condition of a body as a rule of its own (so `||` is expressible and `&&` is
 * not), allows by default, strips `//` comments (so no value may hold `//`), and asks about tools and
 * models as the URL `action://<tool_call|function_call|llm_call>/<name>`.
 *
 * Only `forbid`s are sent: the client allows by default, as a set with `default_decision: "allow"`
 * does, and a permit there changes no outcome (under `deny` the default itself is reported as left out). Every policy it cannot express is left out with the
 * reason, so that the old client enforces what it can instead of failing open on the whole set.
 */

export interface LegacyRule {
  id: string;
  cedar_dsl: string;
  enabled: true;
}

export interface LeftOut {
  id: string;
  reason: string;
}

export interface Downlevelled {
  rules: LegacyRule[];
  leftOut: LeftOut[];
}

// The engine's JSON form of a policy (its EST), read defensively: anything unexpected is left out.
// biome-ignore lint/suspicious/noExplicitAny: a tree of many node shapes, each checked where read
type Expr = Record<string, any>;
type Condition = { field: string; op: string; value: string };

/** Request fields of an `api_call` the client can see, as Cedar names them. */
const HTTP_FIELDS: Record<string, string> = {
  "resource.hostname": "hostname",
  "context.hostname": "hostname",
  "resource.scheme": "scheme",
  "context.scheme": "scheme",
  "context.url": "url",
  "context.path": "path",
  "context.method": "method",
};

/** The action names the client's framework integrations put in `action://<name>/<target>`. */
const ACTION_URL_NAMES: Record<string, string[]> = {
  tool_call: ["tool_call", "function_call"],
  llm_invoke: ["llm_call"],
};

const NEGATE: Record<string, string> = { "==": "!=", "!=": "==" };

class Inexpressible extends Error {}

const fail = (reason: string): never => {
  throw new Inexpressible(reason);
};

/** `resource.hostname` / `context.path` of an attribute access, or null. */
function pathOf(e: Expr): string | null {
  const dot = e["."];
  if (!dot?.left?.Var) return null;
  return `${dot.left.Var}.${dot.attr}`;
}

function literal(e: Expr): string | null {
  return typeof e?.Value === "string" ? e.Value : null;
}

function fieldOf(e: Expr): string {
  const path = pathOf(e);
  const field = path === null ? undefined : HTTP_FIELDS[path];
  return field ?? fail(`compares ${path ?? "an expression"}, which the client cannot see`);
}

/** A `like` pattern with a wildcard only at either end, as the client's operators read it. */
function likeCondition(field: string, pattern: unknown[]): Condition {
  const lead = pattern[0] === "Wildcard";
  const trail = pattern.length > 1 && pattern.at(-1) === "Wildcard";
  // The engine gives a pattern's text one character at a time.
  const middle = pattern.slice(lead ? 1 : 0, trail ? -1 : undefined);
  if (middle.length === 0 || middle.some((p) => typeof p !== "object")) {
    fail("uses a `like` pattern with a wildcard inside the text");
  }
  const value = middle.map((p) => (p as { Literal: string }).Literal).join("");
  const op = lead && trail ? "contains" : lead ? "endswith" : trail ? "startswith" : "==";
  return { field, op, value };
}

/** The conditions whose disjunction `e` is (the client ORs the conditions of one body). */
function disjuncts(e: Expr, negated: boolean): Condition[] {
  if (e["!"]) return disjuncts(e["!"].arg, !negated);
  if (e["||"] && !negated) return [...disjuncts(e["||"].left, false), ...disjuncts(e["||"].right, false)];
  if (e["&&"] || e["||"]) return fail("combines conditions with `&&`, which the client reads as `||`");
  for (const op of ["==", "!="] as const) {
    const c = e[op];
    if (!c) continue;
    const [attr, value] = literal(c.right) !== null ? [c.left, literal(c.right)] : [c.right, literal(c.left)];
    if (value === null) return fail("compares two expressions; the client compares a field with text");
    const field = fieldOf(attr);
    // The client asks about tools and models as action:// URLs with the same rules (it ignores the
    // action): a negative condition on an HTTP field would forbid every one of them too.
    if ((negated ? NEGATE[op] : op) === "!=") {
      return fail("is a negative condition, which the client would apply to its tool and model calls too");
    }
    return [{ field, op: "==", value }];
  }
  if (e.like && !negated) return [likeCondition(fieldOf(e.like.left), e.like.pattern)];
  return fail(`uses ${negated ? "a negated " : ""}${Object.keys(e)[0]}, which the client's rules cannot`);
}

function checkValue(value: string): void {
  if (value === "") fail("compares with empty text, which the client's parser skips");
  if (/["}\n\r]/.test(value)) fail('compares with text holding `"`, `}` or a line break');
  if (value.includes("//")) fail("compares with text holding `//`, which the client reads as a comment");
}

/** The conditions of one `forbid` as the client reads them (any one matching forbids). */
function conditionsOf(policy: Expr): Condition[] {
  if (policy.principal?.op !== "All") fail("names a principal; the client's rules apply to every agent");
  if (policy.action?.op !== "==") fail("is not about one action");
  const action = String(policy.action.entity?.id);
  const clauses: Expr[] = policy.conditions ?? [];
  const resource = policy.resource;
  if (action === "api_call") {
    if (resource.op === "==" && clauses.length === 0) {
      return [{ field: "hostname", op: "==", value: String(resource.entity.id) }];
    }
    if (resource.op !== "All") fail("constrains the resource as well as a condition (an `&&`)");
    if (clauses.length === 0) return [{ field: "scheme", op: "startswith", value: "http" }];
    if (clauses.length > 1) fail("has several `when`/`unless` clauses (an `&&`)");
    return disjuncts(clauses[0]!.body, clauses[0]!.kind === "unless");
  }
  const names = ACTION_URL_NAMES[action];
  if (!names) return fail(`is about ${action}, which the client does not ask the server about`);
  if (clauses.length > 0) fail(`has conditions on ${action}, which the client cannot see`);
  if (resource.op === "All") return names.map((n) => ({ field: "hostname", op: "==", value: n }));
  if (resource.op !== "==") fail("constrains the resource with `in` or `is`");
  const target = String(resource.entity.id);
  return names.map((n) => ({ field: "url", op: "endswith", value: `/${n}/${target}` }));
}

/**
 * The client reports a blocked call with the text of the rule that matched (`metadata.policy_id`). A
 * condition on a field it never has (`request.trusera_policy_id`) never matches but puts the policy's
 * id into that text, from which ingest reads it back (`policyIdOfV1Rule`).
 */
const ID_FIELD = "trusera_policy_id";
const ID_CONDITION = new RegExp(`request\\.${ID_FIELD} == "([^"]+)"`);

/** The policy id a rule text sent by `downlevelForPythonV1` carries, or null. */
export function policyIdOfV1Rule(text: string): string | null {
  return ID_CONDITION.exec(text)?.[1] ?? null;
}

function isSafe(value: string): boolean {
  return value !== "" && !/["}\n\r]/.test(value) && !value.includes("//");
}

function ruleText(action: string, conditions: Condition[], id: string): string {
  for (const c of conditions) checkValue(c.value);
  const tagged = isSafe(id) ? [...conditions, { field: ID_FIELD, op: "==", value: id }] : conditions;
  const body = tagged.map((c) => `request.${c.field} ${c.op} "${c.value}"`).join(" || ");
  // The client's pattern wants a word after Action::; it ignores which.
  const word = /^\w+$/.test(action) ? action : "action";
  return `forbid (principal, action == Action::"${word}", resource) when { ${body} };`;
}

/** The rules of `text` (a valid Cedar policy set) in the 1.x client's dialect, and what was left out. */
export async function downlevelForPythonV1(
  text: string,
  defaultDecision: "allow" | "deny",
): Promise<Downlevelled> {
  const engine = await loadCedar();
  const rules: LegacyRule[] = [];
  const leftOut: LeftOut[] = [];
  const split = engine.policySetTextToParts(text);
  if (split.type === "failure") return { rules, leftOut: [{ id: "*", reason: "the set does not parse" }] };
  split.policies.forEach((policyText, index) => {
    const answer = engine.policyToJson(policyText);
    if (answer.type === "failure") {
      leftOut.push({ id: `policy${index}`, reason: "does not parse" });
      return;
    }
    const policy = answer.json as Expr;
    const id: string = policy.annotations?.id ?? `policy${index}`;
    // A permit changes no outcome under default allow; under default deny, see below.
    if (policy.effect === "permit") return;
    try {
      rules.push({
        id,
        cedar_dsl: ruleText(String(policy.action?.entity?.id), conditionsOf(policy), id),
        enabled: true,
      });
    } catch (err) {
      if (!(err instanceof Inexpressible)) throw err;
      leftOut.push({ id, reason: err.message });
    }
  });
  if (defaultDecision === "deny") {
    leftOut.push({
      id: "(default decision)",
      reason: "denies what no permit allows; the client allows by default and enforces only the forbids",
    });
  }
  return { rules, leftOut };
}
