import { loadCedar } from "../cedar/engine.js";
import type { PolicyDocument, PolicyRule } from "../policy/document.js";
import { Governor } from "../policy/governor.js";
import { canonicalJson } from "../receipts/canonical.js";
import { sha256Hex } from "../receipts/hash.js";
import { type HistoryRecord, recordText, replayAction } from "./history.js";

/** The thresholds of learning (docs/learning.md). Every one is an option; these are the defaults. */
export interface LearningOptions {
  /** Allow rules: at least this many denied actions in the group ... */
  minCount?: number;
  /** ... from at least this many distinct runs. */
  minSessions?: number;
  /** Classes that may be learned as routine (allowed). delete, write_high and exec never are by default. */
  routineClasses?: string[];
  /** Deny rules: an allowed risky action seen at most this many times is rare. */
  rareMax?: number;
  /** Examples kept per suggestion (evidence and impact). */
  examples?: number;
  /** The home directory `~/` in policy paths stands for. */
  home?: string;
}

export const LEARNING_DEFAULTS = {
  minCount: 5,
  minSessions: 2,
  routineClasses: ["read", "write_low", "network"],
  rareMax: 2,
  examples: 3,
} as const;

export interface Example {
  receipt_id: string;
  at: string;
  target: string;
}

export interface Suggestion {
  /** Stable for the same rule: `S-` and 12 hex digits of the rule's hash. */
  id: string;
  kind: "allow" | "deny";
  rule: PolicyRule;
  reason: string;
  evidence: { count: number; sessions: number; first_seen: string; last_seen: string; examples: Example[] };
  impact: SuggestionImpact<Example>;
}

/** What a suggestion would have changed over the recorded history (CLI and server alike). */
export interface SuggestionImpact<E> {
  replayed: number;
  changed: number;
  allow_to_deny: number;
  deny_to_allow: number;
  examples: (E & { from: "allow" | "deny"; to: "allow" | "deny" })[];
}

interface Candidate {
  kind: "allow" | "deny";
  matchers: Omit<PolicyRule, "id" | "action">;
  reason: (count: number, sessions: number) => string;
  records: HistoryRecord[];
}

/** Identity of a rule apart from its id: what the suggestion id and the rule id derive from. */
export function suggestionId(kind: string, matchers: object): string {
  return `S-${sha256Hex(canonicalJson({ kind, ...matchers } as never)).slice(0, 12)}`;
}

const dirOf = (p: string) => (p.lastIndexOf("/") > 0 ? p.slice(0, p.lastIndexOf("/")) : "/");
const insideOf = (p: string, dir: string | undefined) =>
  dir !== undefined && (p === dir || p.startsWith(`${dir}/`));

function group(
  map: Map<string, Candidate>,
  key: string,
  make: () => Omit<Candidate, "records">,
  r: HistoryRecord,
) {
  let c = map.get(key);
  if (!c) {
    c = { ...make(), records: [] };
    map.set(key, c);
  }
  c.records.push(r);
}

/** The candidate rules the history supports, before replay (grouping and counting only). */
function candidates(
  history: readonly HistoryRecord[],
  o: Required<Omit<LearningOptions, "home">>,
): Candidate[] {
  const allow = new Map<string, Candidate>();
  const deny = new Map<string, Candidate>();
  const networkByBinary = new Map<string, number>();
  for (const r of history)
    if (r.actionClass === "network" && r.outcome === "allow" && r.binary)
      networkByBinary.set(r.binary, (networkByBinary.get(r.binary) ?? 0) + 1);
  const totalNetwork = [...networkByBinary.values()].reduce((a, b) => a + b, 0);
  for (const r of history) {
    const cls = r.actionClass;
    if (r.outcome === "deny") {
      if (!o.routineClasses.includes(cls)) continue;
      if (r.hosts.length > 0) {
        for (const h of r.hosts)
          group(
            allow,
            `h|${cls}|${h}`,
            () => ({
              kind: "allow",
              matchers: { actionClasses: [cls as never], hosts: [h] },
              reason: (n, s) => `${cls} to ${h} was denied ${n} times in ${s} runs and looks routine`,
            }),
            r,
          );
      } else if (r.paths.length > 0) {
        const dir = dirOf(r.paths[0]!);
        group(
          allow,
          `p|${cls}|${dir}`,
          () => ({
            kind: "allow",
            matchers: { actionClasses: [cls as never], paths: [`${dir}/*`] },
            reason: (n, s) => `${cls} under ${dir}/ was denied ${n} times in ${s} runs and looks routine`,
          }),
          r,
        );
      } else if (r.binary) {
        const b = r.binary;
        group(
          allow,
          `b|${cls}|${b}`,
          () => ({
            kind: "allow",
            matchers: { actionClasses: [cls as never], binaries: [b] },
            reason: (n, s) => `${cls} by ${b} was denied ${n} times in ${s} runs and looks routine`,
          }),
          r,
        );
      }
      continue;
    }
    // Allowed: rare and risky ones become deny candidates.
    if (cls === "network") {
      for (const h of r.hosts)
        group(
          deny,
          `h|${h}`,
          () => ({
            kind: "deny",
            matchers: { actionClasses: ["network"], hosts: [h] },
            reason: (n, s) => `network to a new host, ${h}, was allowed only ${n} time(s) in ${s} run(s)`,
          }),
          r,
        );
      const b = r.binary;
      if (b && (networkByBinary.get(b) ?? 0) <= o.rareMax && totalNetwork >= o.minCount)
        group(
          deny,
          `b|${b}`,
          () => ({
            kind: "deny",
            matchers: { actionClasses: ["network"], binaries: [b] },
            reason: (n) =>
              `network from an unusual program, ${b}: ${n} of ${totalNetwork} allowed network actions`,
          }),
          r,
        );
    } else if (cls === "delete") {
      for (const p of r.paths)
        if (!insideOf(p, r.cwd))
          group(
            deny,
            `d|${p}`,
            () => ({
              kind: "deny",
              matchers: { actionClasses: ["delete"], paths: [p] },
              reason: (n, s) =>
                `a delete outside the working tree (${p}) was allowed ${n} time(s) in ${s} run(s)`,
            }),
            r,
          );
    }
  }
  const sessions = (c: Candidate) => new Set(c.records.map((r) => r.session)).size;
  return [
    ...[...allow.values()].filter((c) => c.records.length >= o.minCount && sessions(c) >= o.minSessions),
    ...[...deny.values()].filter((c) => c.records.length <= o.rareMax),
  ];
}

/** Distinct actions with their records, so a replay decides each distinct action once. */
function distinct(history: readonly HistoryRecord[]): { key: string; records: HistoryRecord[] }[] {
  const m = new Map<string, HistoryRecord[]>();
  for (const r of history) {
    const list = m.get(r.key);
    if (list) list.push(r);
    else m.set(r.key, [r]);
  }
  return [...m.entries()].map(([key, records]) => ({ key, records }));
}

/**
 * Rules learned from recorded history, each with its evidence and its impact: the history replayed
 * under the current policy and under the policy with the rule added. A rule that changes no past
 * decision, or that would turn a decision made by an explicit deny rule into an allow, is dropped.
 * Deterministic: the same history, policy and options give the same suggestions in the same order.
 */
export async function suggestRules(
  history: readonly HistoryRecord[],
  policy: PolicyDocument,
  options: LearningOptions = {},
): Promise<Suggestion[]> {
  const o = {
    ...LEARNING_DEFAULTS,
    ...options,
    routineClasses: options.routineClasses ?? [...LEARNING_DEFAULTS.routineClasses],
  };
  const engine = await loadCedar();
  const home = options.home ?? "/";
  const current = Governor.build(engine, { policy, mode: "strict", home, slot: "learning-current" });
  const actions = distinct(history);
  const base = actions.map((a) => current.decide("replay", replayAction(a.records[0]!)));
  const out: Suggestion[] = [];
  for (const c of candidates(history, o)) {
    const id = suggestionId(c.kind, c.matchers);
    const rule: PolicyRule = { id: `learned-${c.kind}-${id.slice(2)}`, action: c.kind, ...c.matchers };
    if (policy.rules.some((r) => r.id === rule.id)) continue;
    const candidate = Governor.build(engine, {
      policy: { ...policy, rules: [...policy.rules, rule] },
      mode: "strict",
      home,
      slot: "learning-candidate",
    });
    let changed = 0;
    let toDeny = 0;
    let toAllow = 0;
    let opensForbidden = false;
    const examples: Suggestion["impact"]["examples"] = [];
    actions.forEach((a, i) => {
      const before = base[i]!;
      const after = candidate.decide("replay", replayAction(a.records[0]!));
      if (before.outcome === after.outcome) return;
      if (after.outcome === "allow" && before.ruleIds.length > 0) opensForbidden = true;
      changed += a.records.length;
      if (after.outcome === "deny") toDeny += a.records.length;
      else toAllow += a.records.length;
      for (const r of a.records) {
        if (examples.length >= o.examples) break;
        examples.push({
          receipt_id: r.receiptId,
          at: r.at,
          target: recordText(r),
          from: before.outcome,
          to: after.outcome,
        });
      }
    });
    if (changed === 0 || opensForbidden) continue;
    const times = c.records.map((r) => r.at).sort();
    const sessions = new Set(c.records.map((r) => r.session)).size;
    out.push({
      id,
      kind: c.kind,
      rule,
      reason: c.reason(c.records.length, sessions),
      evidence: {
        count: c.records.length,
        sessions,
        first_seen: times[0]!,
        last_seen: times[times.length - 1]!,
        examples: c.records
          .slice(0, o.examples)
          .map((r) => ({ receipt_id: r.receiptId, at: r.at, target: recordText(r) })),
      },
      impact: { replayed: history.length, changed, allow_to_deny: toDeny, deny_to_allow: toAllow, examples },
    });
  }
  return out.sort((a, b) =>
    a.kind === b.kind
      ? b.evidence.count - a.evidence.count || (a.id < b.id ? -1 : 1)
      : a.kind === "deny"
        ? -1
        : 1,
  );
}
