import { createPrivateKey, createPublicKey } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import {
  type CedarRequest,
  canonicalJson,
  classifyCommand,
  compilePolicySet,
  containsSecret,
  DEFAULT_ALLOW_POLICY_ID,
  eventSnapshotHash,
  type GovernedAction,
  Governor,
  headerNames,
  isSensitiveName,
  isValidEvent,
  jwksLookup,
  jwkThumbprint,
  MODES,
  type Mode,
  policyToCedar,
  publicJwk,
  REQUEST_MODEL_SCHEMA,
  redactHeaders,
  redactText,
  redactUrl,
  scrubSecrets,
  sha256Hex,
  signReceipt,
  type UnsignedReceipt,
  validateEvent,
  validatePolicy,
  verifyLogText,
  verifyReceiptSignature,
} from "@trusera/core";
import { describe, expect, it } from "vitest";
import { BUILDERS } from "../../../spec/cases/request-model.js";

// Runs every case of spec/vectors/ against this implementation, reading the files as the Python and
// Go suites do. The expected values were written by spec/generate.ts from this same code, so a
// failure here means the behaviour changed: regenerate only if the change is meant, and say so.

const dir = new URL("../../../spec/vectors/", import.meta.url);
const load = (file: string): any => JSON.parse(readFileSync(new URL(file, dir), "utf8"));
type Case = { name: string; [field: string]: any };
const COVERED = [
  "decisions.json",
  "events.json",
  "json-policy.json",
  "receipts.json",
  "redaction.json",
  "request-model.json",
];

describe("spec/vectors", () => {
  it("has no file this suite does not run, each at format 1", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files.sort()).toEqual(COVERED);
    for (const f of files) expect(load(f).format, f).toBe(1);
  });
});

describe("events.json", () => {
  const v = load("events.json");
  it.each(v.cases as Case[])("$name", (c) => {
    const problems = validateEvent(c.event);
    expect(problems).toEqual(c.problems);
    expect(isValidEvent(c.event)).toBe(c.valid);
    expect([...new Set(problems.map((p) => (p.startsWith("event ") ? "event" : p.split(" ")[0])))]).toEqual(
      c.fields,
    );
  });
});

describe("redaction.json", () => {
  const v = load("redaction.json");
  it("names", () => {
    for (const c of v.names) expect(isSensitiveName(c.name), c.name).toBe(c.sensitive);
  });
  it("text", () => {
    for (const c of v.text) {
      expect(redactText(c.input), c.input).toBe(c.expected);
      expect(containsSecret(c.input), c.input).toBe(c.contains_secret);
    }
  });
  it("objects", () => {
    for (const c of v.objects) expect(scrubSecrets(c.input), c.name).toEqual(c.expected);
  });
  it("urls", () => {
    for (const c of v.urls) expect(redactUrl(c.input), c.input).toBe(c.expected);
  });
  it("headers", () => {
    for (const c of v.headers) {
      expect(redactHeaders(c.input), c.name).toEqual(c.expected);
      expect(headerNames(c.input), c.name).toEqual(c.names);
    }
  });
});

describe("request-model.json", () => {
  const v = load("request-model.json");
  it("carries the schema policies are validated against", () => {
    expect(v.schema).toBe(REQUEST_MODEL_SCHEMA);
  });
  it.each(v.cases as Case[])("$name", (c) => {
    expect(BUILDERS[c.builder], c.builder).toBeDefined();
    expect(BUILDERS[c.builder]!(c.args)).toEqual(c.expected);
  });
});

describe("decisions.json", () => {
  const v = load("decisions.json");
  it.each(v.cases as Case[])("$name", async (c) => {
    const compiled = await compilePolicySet(c.policies, {
      defaultDecision: c.default_decision,
      ...(c.schema ? { schema: v.schema } : {}),
    });
    expect(!compiled.ok).toBe(c.load_error);
    if (!compiled.ok) return;
    for (const r of c.requests as { request: CedarRequest; expected: Record<string, unknown> }[]) {
      const d = compiled.policySet.evaluate(r.request);
      expect({
        decision: d.decision,
        policy_ids: d.policyIds.filter((id) => id !== DEFAULT_ALLOW_POLICY_ID).sort(),
        errors: d.errors.length > 0,
      }).toEqual(r.expected);
    }
  });
});

describe("decisions.json bounded_texts", () => {
  const v = load("decisions.json");
  it.each(v.bounded_texts as Case[])("$name is refused when loading", async (c) => {
    expect(c.load_error).toBe(true);
    const compiled = await compilePolicySet(c.policies, { defaultDecision: "deny" });
    expect(compiled.ok).toBe(false);
  });
});

describe("json-policy.json", () => {
  const v = load("json-policy.json");
  it("lists the modes", () => {
    expect(v.modes).toEqual([...MODES]);
  });
  it.each(v.cases as Case[])("$name", async (c) => {
    const checked = validatePolicy(c.policy);
    expect(checked.ok).toBe(c.valid);
    if (!checked.ok) {
      expect(checked.errors.map((e) => ({ pointer: e.pointer, message: e.message }))).toEqual(c.errors);
      return;
    }
    expect(policyToCedar(checked.policy, { home: c.home })).toBe(c.cedar);
    const governors = new Map<Mode, Governor>();
    for (const mode of MODES)
      governors.set(mode, await Governor.create({ policy: checked.policy, mode, home: c.home }));
    for (const d of c.decisions) {
      const a = d.action;
      const action: GovernedAction =
        a.kind === "command"
          ? { kind: "command", binary: a.binary, args: a.args, cwd: a.cwd }
          : {
              kind: "action",
              action: a.action,
              target: a.target,
              actionClass: a.action_class,
              hosts: a.hosts,
              paths: a.paths,
            };
      const got = governors.get("strict")!.decide(d.agent_id, action);
      const block = Object.fromEntries(
        MODES.map((m) => [m, governors.get(m)!.decide(d.agent_id, action).block]),
      );
      expect({
        outcome: got.outcome,
        reason_code: got.reasonCode,
        rule_ids: got.ruleIds,
        action_class: got.actionClass,
        hosts: got.hosts,
        paths: got.paths,
        errors: got.errors.length > 0,
        block,
      }).toEqual(d.expected);
    }
  });
  it("command classification", () => {
    for (const c of v.commands) {
      const got = classifyCommand(c.binary, c.args, { cwd: c.cwd, home: c.home });
      expect(
        { action_class: got.actionClass, hosts: got.hosts, paths: got.paths, rule: got.rule },
        `${c.binary} ${c.args.join(" ")}`,
      ).toEqual(c.expected);
    }
  });
});

describe("receipts.json", () => {
  const v = load("receipts.json");
  const der = Buffer.concat([
    Buffer.from("302e020100300506032b657004220420", "hex"),
    Buffer.from(v.key.seed_hex, "hex"),
  ]);
  const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  const publicKey = createPublicKey(privateKey);
  const { lookup } = jwksLookup({ keys: [v.key.jwk] });

  it("the test key: public JWK and kid (RFC 7638 thumbprint) follow from the seed", () => {
    expect(publicJwk(publicKey)).toEqual(v.key.jwk);
    expect(jwkThumbprint(v.key.jwk.x)).toBe(v.key.kid);
  });
  it("canonicalization (RFC 8785) and SHA-256", () => {
    for (const c of v.canonicalization) {
      expect(canonicalJson(c.input), c.name).toBe(c.canonical);
      expect(sha256Hex(c.canonical), c.name).toBe(c.sha256);
    }
    for (const c of v.snapshot_hashes) expect(eventSnapshotHash(c.snapshot)).toBe(c.hash);
  });
  it("signing is deterministic and verifies", () => {
    for (const c of v.signing) {
      expect(canonicalJson(c.unsigned)).toBe(c.signing_input);
      const signed = signReceipt(c.unsigned as UnsignedReceipt, { kid: v.key.kid, privateKey, publicKey });
      expect(signed.receipt.signature.sig).toBe(c.sig);
      expect(signed.canonical).toBe(c.canonical);
      expect(signed.hash).toBe(c.hash);
      expect(verifyReceiptSignature(JSON.parse(c.canonical), lookup)).toMatchObject({
        ok: true,
        kid: v.key.kid,
      });
    }
  });
  it.each(v.logs as Case[])("log: $name", (c) => {
    const text = c.lines.map((l: string) => `${l}\n`).join("");
    const report = verifyLogText(text, lookup, c.head === undefined ? undefined : { text: c.head });
    expect({
      ok: report.ok,
      receipts: report.receipts,
      last_seq: report.lastSeq,
      last_hash: report.lastHash,
      problems: report.problems.map((p) => ({ kind: p.kind, line: p.line })),
      incomplete: report.incomplete.map((p) => ({ kind: p.kind, line: p.line })),
    }).toEqual(c.expected);
  });
  it("the ATP conformance vector", () => {
    const atp = v.atp_conformance;
    expect(canonicalJson(atp.receipt)).toBe(atp.canonicalPayload);
    expect(sha256Hex(atp.canonicalPayload)).toBe(atp.canonicalPayloadSha256);
    const key = createPublicKey(atp.publicKey);
    expect(verifyReceiptSignature(atp.signedReceipt, (kid) => (kid === atp.kid ? key : undefined)).ok).toBe(
      true,
    );
  });
});

describe("spec/generate.ts", () => {
  it("the committed vectors are what the generator writes today (run npx tsx spec/generate.ts)", async () => {
    const { buildVectorFiles } = await import("../../../spec/cases/index.js");
    const files = await buildVectorFiles();
    for (const [file, value] of Object.entries(files))
      expect(JSON.parse(JSON.stringify(value)), file).toEqual(load(file));
  });
});
