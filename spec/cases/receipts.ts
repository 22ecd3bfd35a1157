import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  canonicalJson,
  eventSnapshotHash,
  GENESIS_HASH,
  type JsonObject,
  jwksLookup,
  publicJwk,
  type ReceiptBody,
  type SigningKey,
  sha256Hex,
  signReceipt,
  validateReceipt,
  verifyLogText,
  verifyReceiptSignature,
} from "@trusera/core";

/** The RFC 8032 private key (seed) of the test key: fixed, so signatures are the same every run. */
const SEED_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const OTHER_SEED_HEX = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

export function keyFromSeed(seedHex: string): SigningKey {
  const der = Buffer.concat([
    Buffer.from("302e020100300506032b657004220420", "hex"),
    Buffer.from(seedHex, "hex"),
  ]);
  const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  const publicKey = createPublicKey(privateKey);
  return { kid: publicJwk(publicKey).kid, privateKey, publicKey };
}

const CANONICAL_INPUTS: [string, unknown][] = [
  ["members sorted", { b: 1, a: 2, c: { z: true, y: null } }],
  ["no whitespace, arrays keep order", [3, 1, 2, [], {}]],
  ["numbers in ECMAScript form", [0, -0, 1.0, 1.5, -2.25, 1e21, 1e-7, 123456789012, 0.1, 1e300, 5e-324]],
  [
    "RFC 8785 sample numbers",
    { numbers: [333333333.3333333, 1e30, 4.5, 2e-3, 0.000000000000000000000000001] },
  ],
  [
    "string escapes",
    { s: 'quote " backslash \\ slash / tab \t newline \n nul \u0000 bell \u0007 del \u007f' },
  ],
  ["unicode kept as is", { s: "café € 😀 \u2028 \u2029" }],
  [
    "members sorted by UTF-16 code units",
    { "\u20ac": 1, "\ud83d\ude00": 2, "\ufb01": 3, a: 4, A: 5, "1": 6 },
  ],
  ["empty structures", { a: [], b: {}, c: "" }],
  ["nested arrays of objects", { list: [{ b: 2, a: 1 }, { d: [{ f: 1, e: 2 }] }] }],
];

/** A receipt body as `buildActionReceipt` writes one, with fixed ids and times. */
function body(n: number, target: JsonObject, outcome: "allow" | "deny" = "allow"): ReceiptBody {
  const d = `17640000000${String(n).padStart(2, "0")}000000001`;
  const at = `2026-11-22T02:11:3${n}.000Z`;
  const snapshot: JsonObject = {
    events: [
      { eventType: "action_requested", capturedAt: at },
      { eventType: "action_decided", capturedAt: at, outcome },
      { eventType: outcome === "allow" ? "action_executed" : "action_blocked", capturedAt: at },
    ],
    runStatus: outcome === "allow" ? "executed" : "blocked",
  };
  return {
    schemaVersion: "1.0.0",
    receipt_id: `TR-${d}`,
    intent_id: `TI-${d}`,
    decision_id: `TD-${d}`,
    execution_status: outcome === "allow" ? "executed" : "blocked",
    captured_at: at,
    occurred_at: at,
    received_at: at,
    sealed_at: at,
    event_snapshot: snapshot,
    event_snapshot_hash: eventSnapshotHash(snapshot),
    correlation_id: `vectors:${n}`,
    intent: {
      intent_id: `TI-${d}`,
      actor_id: "agent-vectors",
      connector: "transient-trace/sdk",
      action: "execute",
      action_class: "read",
      target,
      context: {},
      governance_profile: "transient-trace:strict",
      requested_at: at,
    },
    decision: {
      decision_id: `TD-${d}`,
      intent_id: `TI-${d}`,
      outcome,
      reason_code: outcome === "allow" ? "rule:reads" : "default_deny",
      decided_at: at,
      mode: "strict",
      enforced: outcome === "deny",
      rule_ids: outcome === "allow" ? ["reads"] : [],
      policy_digest: "0".repeat(64),
    },
    metadata: { implementation: "transient-trace", implementation_version: "0.1.0" },
  };
}

/** Seals bodies into a chain the way ReceiptLog does: chain {seq, prev_hash}, then an Ed25519 signature. */
function seal(bodies: ReceiptBody[], key: SigningKey, first = { seq: 1, prev: GENESIS_HASH }) {
  let prev = first.prev;
  return bodies.map((b, i) => {
    const signed = signReceipt({ ...b, chain: { seq: first.seq + i, prev_hash: prev } }, key);
    prev = signed.hash;
    return signed;
  });
}

export async function buildReceipts() {
  const key = keyFromSeed(SEED_HEX);
  const other = keyFromSeed(OTHER_SEED_HEX);
  const jwk = publicJwk(key.publicKey);
  const { lookup } = jwksLookup({ keys: [jwk] });

  const bodies = [body(1, { id: "resource-1" }), body(2, { id: "résumé ✓" }), body(3, { id: "r3" }, "deny")];
  const chain = seal(bodies, key);
  for (const s of chain) {
    const problems = validateReceipt(s.receipt, { sealed: true });
    if (problems.length > 0) throw new Error(`vector receipt is malformed: ${problems.join("; ")}`);
  }
  const lines = chain.map((s) => s.canonical);
  const head = lines[lines.length - 1]!;

  const edit = (line: string, change: (r: { intent: { target: JsonObject } }) => void) => {
    const r = JSON.parse(line);
    change(r);
    return canonicalJson(r);
  };
  const LOGS: [string, string[], string | undefined][] = [
    ["the whole chain with its head", lines, head],
    ["the whole chain without a head checkpoint", lines, undefined],
    [
      "a changed target keeps its old signature",
      [
        lines[0]!,
        edit(lines[1]!, (r) => {
          r.intent.target.id = "other";
        }),
        lines[2]!,
      ],
      head,
    ],
    ["a receipt removed from the middle", [lines[0]!, lines[2]!], head],
    ["two receipts swapped", [lines[1]!, lines[0]!, lines[2]!], head],
    ["the first receipt removed", [lines[1]!, lines[2]!], head],
    ["the tail cut (the head names seq 3)", [lines[0]!, lines[1]!], head],
    ["the whole log re-signed by an unknown key", seal(bodies, other).map((s) => s.canonical), undefined],
    [
      "a receipt re-signed after its body changed, breaking the next link",
      [
        lines[0]!,
        seal([{ ...bodies[1]!, correlation_id: "forged" }], key, { seq: 2, prev: chain[0]!.hash })[0]!
          .canonical,
        lines[2]!,
      ],
      head,
    ],
    [
      "a snapshot changed and re-signed (event_snapshot_hash no longer matches)",
      [
        lines[0]!,
        seal(
          [{ ...bodies[1]!, event_snapshot: { ...bodies[1]!.event_snapshot, runStatus: "blocked" } }],
          key,
          {
            seq: 2,
            prev: chain[0]!.hash,
          },
        )[0]!.canonical,
      ],
      undefined,
    ],
    ["a torn last line (a write cut short)", [...lines, lines[2]!.slice(0, 40)], head],
    [
      "a torn line in the middle the chain links across",
      [lines[0]!, '{"receipt_id":"TR-', lines[1]!, lines[2]!],
      head,
    ],
    ["a head checkpoint that is not a signed receipt", lines, "{}"],
    [
      "a head checkpoint naming a different receipt 3 (the tail was rewritten)",
      lines,
      seal([bodies[0]!, bodies[1]!, { ...bodies[2]!, correlation_id: "rewritten" }], key)[2]!.canonical,
    ],
    [
      "a well-signed receipt that breaks the schema",
      [
        lines[0]!,
        seal([{ ...bodies[1]!, schemaVersion: "2.0.0" as "1.0.0" }], key, {
          seq: 2,
          prev: chain[0]!.hash,
        })[0]!.canonical,
      ],
      undefined,
    ],
    ["an empty log with no head", [], undefined],
  ];

  return {
    description:
      "ATP receipts: RFC 8785 (JCS) canonicalization, SHA-256, Ed25519 signatures with a fixed test key, hash chains and tampered logs.",
    key: { seed_hex: SEED_HEX, jwk, kid: key.kid },
    other_key: { seed_hex: OTHER_SEED_HEX, kid: other.kid },
    genesis_hash: GENESIS_HASH,
    canonicalization: CANONICAL_INPUTS.map(([name, input]) => {
      const canonical = canonicalJson(input);
      return { name, input, canonical, sha256: sha256Hex(canonical) };
    }),
    snapshot_hashes: bodies.map((b) => ({
      snapshot: b.event_snapshot,
      hash: eventSnapshotHash(b.event_snapshot),
    })),
    signing: chain.map((s) => {
      const { signature, ...unsigned } = s.receipt;
      const check = verifyReceiptSignature(s.receipt, lookup);
      if (!check.ok) throw new Error("vector signature does not verify");
      return {
        unsigned,
        signing_input: canonicalJson(unsigned),
        sig: signature.sig,
        canonical: s.canonical,
        hash: s.hash,
      };
    }),
    logs: LOGS.map(([name, logLines, headText]) => {
      const text = logLines.map((l) => `${l}\n`).join("");
      const report = verifyLogText(text, lookup, headText === undefined ? undefined : { text: headText });
      return {
        name,
        lines: logLines,
        ...(headText === undefined ? {} : { head: headText }),
        expected: {
          ok: report.ok,
          receipts: report.receipts,
          last_seq: report.lastSeq,
          last_hash: report.lastHash,
          problems: report.problems.map((p) => ({ kind: p.kind, line: p.line })),
          incomplete: report.incomplete.map((p) => ({ kind: p.kind, line: p.line })),
        },
      };
    }),
    atp_conformance: JSON.parse(
      readFileSync(
        new URL("../../packages/core/test/fixtures/atp/canonicalization-signature.v2.json", import.meta.url),
        "utf8",
      ),
    ),
  };
}
