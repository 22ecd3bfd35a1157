import fc from "fast-check";
import type { CedarEntity, CedarRequest } from "../../src/cedar/types.js";

/**
 * fast-check generators of Cedar policy sets and requests, drawn from small pools of names so that
 * policies and requests meet: equal strings, entities in each other's hierarchy, attributes that
 * exist. Shared by the differential test and the long run (bench/cedar-differential.mjs).
 */

const TYPES = ["User", "Group", "Host", "NS::Doc"] as const;
const IDS = ["a", "b", "c*d", "é", ""] as const;
export const ACTIONS = ["read", "write", "api_call", "all"] as const;
const ATTRS = ["hostname", "path", "n", "tags", "owner", "flag", "rec", "k"] as const;
const STRINGS = ["a", "b", "ab", "a*b", "x.com", "/v1/x", "", "é", "*", "\\"] as const;
const BIG = [
  9223372036854775807n,
  -9223372036854775808n,
  9007199254740991n,
  4611686018427387904n,
  3037000500n,
];

const q = (s: string) => JSON.stringify(s);
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const entityText = fc.tuple(pick(TYPES), pick(IDS)).map(([t, i]) => `${t}::${q(i)}`);
const actionText = pick(ACTIONS).map((a) => `Action::${q(a)}`);
const varText = pick(["principal", "resource", "context", "action"]);
const attr = pick(ATTRS);
const strLit = pick(STRINGS).map(q);
const longLit = fc.oneof(
  fc.integer({ min: -3, max: 300 }).map(String),
  pick(BIG).map((n) => (n < 0n ? `(${n + 1n} - 1)` : String(n))),
);
// A like pattern: literal characters, `*` wildcards and escaped `\*`.
const pattern = fc
  .array(pick(["a", "b", "*", "\\*", "/", "x", ".", "é"]), { maxLength: 5 })
  .map((parts) => `"${parts.join("")}"`);

/** An expression as text, of any type: some ill-typed on purpose (they must fail as the engine does). */
const { expr } = fc.letrec<{ expr: string; leaf: string }>((tie) => ({
  leaf: fc.oneof(
    { weight: 3, arbitrary: fc.tuple(varText, attr).map(([v, a]) => `${v}.${a}`) },
    { weight: 2, arbitrary: strLit },
    { weight: 2, arbitrary: longLit },
    { weight: 1, arbitrary: pick(["true", "false"]) },
    { weight: 2, arbitrary: varText },
    { weight: 1, arbitrary: entityText },
    { weight: 1, arbitrary: fc.tuple(varText, attr, attr).map(([v, a, b]) => `${v}.${a}.${b}`) },
  ),
  expr: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    { weight: 4, arbitrary: tie("leaf") },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          tie("expr"),
          pick(["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "&&", "||", "in"]),
          tie("expr"),
        )
        .map(([a, op, b]) => `(${a} ${op} ${b})`),
    },
    { weight: 2, arbitrary: fc.tuple(tie("expr"), attr).map(([a, b]) => `(${a} has ${b})`) },
    { weight: 2, arbitrary: fc.tuple(tie("expr"), pattern).map(([a, p]) => `(${a} like ${p})`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(tie("expr"), pick(TYPES), fc.option(entityText))
        .map(([a, t, e]) => (e === null ? `(${a} is ${t})` : `(${a} is ${t} in ${e})`)),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(tie("expr"), pick(["contains", "containsAll", "containsAny", "hasTag", "getTag"]), tie("expr"))
        .map(([a, m, b]) => `${a}.${m}(${b})`),
    },
    { weight: 1, arbitrary: tie("expr").map((a) => `(!${a})`) },
    { weight: 1, arbitrary: tie("expr").map((a) => `(-${a})`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(tie("expr"), tie("expr"), tie("expr"))
        .map(([c, t, e]) => `(if ${c} then ${t} else ${e})`),
    },
    { weight: 2, arbitrary: fc.array(tie("expr"), { maxLength: 3 }).map((xs) => `[${xs.join(", ")}]`) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(attr, tie("expr")), { maxLength: 2 })
        .map((fs) => `{${fs.map(([k, v]) => `${k}: ${v}`).join(", ")}}`),
    },
    {
      weight: 1,
      arbitrary: pick([
        `ip("127.0.0.1").isLoopback()`,
        `decimal("1.5").lessThan(decimal("2.25"))`,
        `datetime("2024-01-01").offset(duration("1h")) > datetime("2024-01-01")`,
        `context.path.isEmpty()`,
      ]),
    },
  ),
}));

// Well-typed expressions over the attributes a "typed" request carries (see `typedAttrs`): they
// mostly evaluate without error, so the compiled evaluator answers them itself.
const holder = pick(["resource", "context", "principal"]);
const strAttr = fc.tuple(holder, pick(["hostname", "path"])).map(([h, a]) => `${h}.${a}`);
const longAttr = holder.map((h) => `${h}.n`);
const longExpr = fc.oneof(
  longAttr,
  longLit,
  fc.tuple(longAttr, pick(["+", "-", "*"]), longLit).map(([a, op, b]) => `(${a} ${op} ${b})`),
  longAttr.map((a) => `(-${a})`),
);
const { typedBool } = fc.letrec<{ typedBool: string }>((tie) => ({
  typedBool: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    {
      weight: 3,
      arbitrary: fc.tuple(strAttr, pick(["==", "!="]), strLit).map(([a, op, b]) => `${a} ${op} ${b}`),
    },
    { weight: 3, arbitrary: fc.tuple(strAttr, pattern).map(([a, p]) => `${a} like ${p}`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(longExpr, pick(["<", "<=", ">", ">=", "=="]), longExpr)
        .map(([a, op, b]) => `${a} ${op} ${b}`),
    },
    { weight: 2, arbitrary: fc.tuple(holder, attr).map(([h, a]) => `${h} has ${a}`) },
    { weight: 1, arbitrary: holder.map((h) => `${h}.flag`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(holder, pick(["contains", "containsAny", "containsAll"]), fc.array(strLit, { maxLength: 3 }))
        .map(([h, m, xs]) =>
          m === "contains" ? `${h}.tags.contains(${xs[0] ?? '"a"'})` : `${h}.tags.${m}([${xs.join(", ")}])`,
        ),
    },
    { weight: 1, arbitrary: fc.tuple(holder, pick(STRINGS)).map(([h, k]) => `${h}.rec.k == ${q(k)}`) },
    {
      weight: 1,
      arbitrary: fc.tuple(holder, pick(STRINGS)).map(([h, k]) => `${h}.rec == {k: ${q(k)}, n: 1}`),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(pick(["principal", "resource"]), entityText).map(([v, e]) => `${v} in ${e}`),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(pick(["principal", "resource"]), pick(TYPES)).map(([v, t]) => `${v} is ${t}`),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(pick(["principal", "resource"]), attr).map(([v, k]) => `${v}.hasTag(${q(k)})`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pick(["principal", "resource"]), attr, strLit)
        .map(([v, k, x]) => `${v}.hasTag(${q(k)}) && ${v}.getTag(${q(k)}) == ${x}`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(tie("typedBool"), pick(["&&", "||"]), tie("typedBool"))
        .map(([a, op, b]) => `(${a} ${op} ${b})`),
    },
    { weight: 1, arbitrary: tie("typedBool").map((a) => `!(${a})`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(tie("typedBool"), tie("typedBool"), tie("typedBool"))
        .map(([c, t, e]) => `(if ${c} then ${t} else ${e})`),
    },
  ),
}));

// `like` with a literal prefix then a wildcard, on paths requests hold (or not, or as another type):
// the index visits only the policies whose prefix the value starts with.
const prefixLike = fc
  .tuple(
    pick(["context.path", "context.hostname", "resource.path", "context.n", "context.k"]),
    pick(["/", "/v1/", "/v1/x", "a", "ab", "a\\*", "x.", "é", "\\\\", "b"]),
    pick(["*", "*x", "*b*", "**", "\\**", ""]),
  )
  .map(([path, prefix, rest]) => `${path} like "${prefix}${rest}"`);

/** A condition that is mostly well-typed: a pinned `==`, a `like`, a comparison, or any expression. */
const condition = fc.oneof(
  { weight: 2, arbitrary: prefixLike },
  {
    weight: 2,
    arbitrary: fc
      .tuple(prefixLike, pick(["&&", "||"]), fc.oneof(typedBool, expr))
      .map(([a, op, b]) => `${a} ${op} ${b}`),
  },
  // An erroring (or not) sibling evaluated before the `like`: that policy is not pinned.
  { weight: 1, arbitrary: fc.tuple(expr, prefixLike).map(([a, b]) => `${a} && ${b}`) },
  {
    weight: 1,
    arbitrary: fc.tuple(prefixLike, prefixLike, expr).map(([a, b, c]) => `(${a} && ${b}) && ${c}`),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(pick(["resource", "context"]), attr, strLit).map(([v, a, s]) => `${v}.${a} == ${s}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(pick(["resource", "context"]), attr, strLit, pattern)
      .map(([v, a, s, p]) => `${v}.${a} == ${s} && context.path like ${p}`),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(attr, pattern).map(([a, p]) => `context has ${a} && context.${a} like ${p}`),
  },
  // A pinned `==` then well-typed conditions: a request found by the pin's value evaluates the rest
  // without the comparison (its `whenPinned`), which must still decide, fail or not as the whole does.
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        pick(["resource", "context", "principal"]),
        pick(["hostname", "path"]),
        strLit,
        typedBool,
        fc.option(fc.oneof(typedBool, expr)),
      )
      .map(([v, a, s, b, c]) =>
        c === null ? `${v}.${a} == ${s} && ${b}` : `(${v}.${a} == ${s} && ${b}) && ${c}`,
      ),
  },
  { weight: 6, arbitrary: typedBool },
  { weight: 2, arbitrary: expr },
);

const principalScope = fc.oneof(
  fc.constant("principal"),
  entityText.map((e) => `principal == ${e}`),
  entityText.map((e) => `principal in ${e}`),
  fc
    .tuple(pick(TYPES), fc.option(entityText))
    .map(([t, e]) => (e ? `principal is ${t} in ${e}` : `principal is ${t}`)),
);
const actionScope = fc.oneof(
  fc.constant("action"),
  actionText.map((a) => `action == ${a}`),
  actionText.map((a) => `action in ${a}`),
  fc.array(actionText, { minLength: 1, maxLength: 3 }).map((as) => `action in [${as.join(", ")}]`),
);
const resourceScope = principalScope.map((s) => s.replace(/^principal/, "resource"));

export const policyText = fc
  .tuple(
    pick(["permit", "forbid"]),
    principalScope,
    actionScope,
    resourceScope,
    fc.array(fc.tuple(pick(["when", "unless"]), condition), { maxLength: 2 }),
  )
  .map(
    ([effect, p, a, r, conds]) =>
      `${effect} (${p}, ${a}, ${r})${conds.map(([k, c]) => ` ${k} { ${c} }`).join("")};`,
  );

export const policySet = fc
  .array(policyText, { minLength: 1, maxLength: 8 })
  .map((ps) => ps.map((p, i) => `@id("p${i}") ${p}`).join("\n"));

// Values in requests: JSON as callers pass it.
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 2 },
    { weight: 4, arbitrary: pick(STRINGS) },
    { weight: 3, arbitrary: fc.integer({ min: -3, max: 300 }) },
    { weight: 1, arbitrary: pick([9007199254740991, -9007199254740991, 3037000500]) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 2, arbitrary: fc.array(tie("value"), { maxLength: 3 }) },
    { weight: 2, arbitrary: fc.dictionary(attr, tie("value"), { maxKeys: 3 }) },
  ),
}));

// What the engine reads itself or refuses: one of these lands in about one request in twelve.
const odd = fc.constantFrom(
  1.5,
  null,
  [null],
  2 ** 53 + 2,
  { __entity: { type: "User", id: "a" } },
  { __extn: { fn: "ip", arg: "10.0.0.1" } },
);

/** The attributes of a typed request, each of the type `typedBool` reads it as. */
const typedAttrs = fc.record(
  {
    hostname: pick(STRINGS),
    path: pick(STRINGS),
    n: fc.oneof(fc.integer({ min: -3, max: 300 }), pick([9007199254740991, -9007199254740991, 3037000500])),
    flag: fc.boolean(),
    tags: fc.array(pick(STRINGS), { maxLength: 3 }),
    rec: fc.record({ k: pick(STRINGS), n: fc.integer({ min: 0, max: 3 }) }),
  },
  { requiredKeys: [] },
);
const attrsOf = fc.oneof(
  { weight: 3, arbitrary: typedAttrs as fc.Arbitrary<Record<string, unknown>> },
  { weight: 1, arbitrary: fc.dictionary(attr, value, { maxKeys: 4 }) },
);

const uid = fc.tuple(pick(TYPES), pick(IDS)).map(([type, id]) => ({ type, id }));
const entity: fc.Arbitrary<CedarEntity> = fc.record(
  {
    uid,
    attrs: fc.dictionary(attr, value, { maxKeys: 4 }),
    parents: fc.array(uid, { maxLength: 2 }),
    tags: fc.dictionary(attr, value, { maxKeys: 2 }),
  },
  { requiredKeys: ["uid", "attrs", "parents"] },
);
const actionEntity = fc.record({
  uid: pick(ACTIONS).map((id) => ({ type: "Action", id })),
  attrs: fc.constant({}),
  parents: fc.array(
    pick(ACTIONS).map((id) => ({ type: "Action", id })),
    { maxLength: 1 },
  ),
});

const body = fc.record(
  {
    attrs: attrsOf,
    parents: fc.array(uid, { maxLength: 2 }),
    tags: fc.dictionary(attr, value, { maxKeys: 2 }),
  },
  { requiredKeys: ["attrs", "parents"] },
);

/** A request; its principal and resource are usually among its entities (with attributes to read). */
export const request: fc.Arbitrary<CedarRequest> = fc
  .record({
    principal: uid,
    action: pick(ACTIONS).map((id) => ({ type: "Action", id })),
    resource: uid,
    context: attrsOf,
    principalEntity: fc.option(body, { freq: 5 }),
    resourceEntity: fc.option(body, { freq: 8 }),
    oddValue: fc.oneof(
      { weight: 11, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.tuple(fc.boolean(), attr, odd) },
    ),
    others: fc.array(fc.oneof({ weight: 4, arbitrary: entity }, { weight: 1, arbitrary: actionEntity }), {
      maxLength: 3,
    }),
  })
  .map(({ principalEntity, resourceEntity, oddValue, others, ...req }) => {
    const entities: CedarEntity[] = [];
    if (oddValue) {
      const [inContext, key, v] = oddValue;
      if (inContext || !principalEntity) req.context = { ...req.context, [key]: v };
      else principalEntity = { ...principalEntity, attrs: { ...principalEntity.attrs, [key]: v } };
    }
    if (principalEntity) entities.push({ uid: req.principal, ...principalEntity });
    if (resourceEntity) entities.push({ uid: req.resource, ...resourceEntity });
    entities.push(...others);
    // Mostly distinct uids, as callers send them; a duplicate now and then.
    const seen = new Set<string>();
    const kept = entities.filter((e, i) => {
      const k = `${e.uid.type}::${e.uid.id}`;
      const dup = seen.has(k);
      seen.add(k);
      return !dup || i % 7 === 3;
    });
    return { ...req, entities: kept };
  });
