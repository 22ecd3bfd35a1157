import { setImmediate } from "node:timers/promises";
import { formatMicros } from "@trusera/core";
import type { FastifyBaseLogger } from "fastify";
import type { EventBus } from "../live/event-bus.js";
import { newId } from "../store/ids.js";
import type { AlertRule, Store, StoredEvent } from "../store/types.js";
import type { AlertPayload } from "./channels.js";
import type { DeliveryDispatcher } from "./dispatcher.js";
import { globMatch } from "./rule-input.js";

// A process re-reads a project's rules at least this often (another process may have changed them).
const RULES_TTL_MS = 5000;
// A rate rule counts in the store at most this often per process.
const RATE_CHECK_MS = 1000;

/**
 * Evaluates alert rules: `violation` and `match` on the events this process stores, as they arrive
 * (from the event bus); `rate` by counting in the store (so that events stored by every process
 * count) when an event of its type arrives; `silent` on a timer. Firing goes through the store's
 * atomic cooldown, so one condition fires once per cooldown across processes and restarts.
 * Evaluation never delays or fails ingest: it runs after the store commits, and its errors are logged.
 */
export class AlertEngine {
  readonly #rules = new Map<string, { rules: AlertRule[]; until: number }>();
  readonly #rateChecks = new Map<string, { at: number; pending: boolean }>();
  #unsubscribe: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #silentRunning = false;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly tickMs: number,
    /** The time silence is measured against (tests move it). */
    private readonly clock: () => number = Date.now,
  ) {}

  #log: FastifyBaseLogger | null = null;

  private get log(): FastifyBaseLogger {
    return this.#log!;
  }

  /** Starts the timers; `log` is the app's logger. */
  start(log: FastifyBaseLogger): void {
    this.#log = log;
    this.#unsubscribe = this.bus.subscribeAll((projectId, events) =>
      this.track(this.onEvents(projectId, events)),
    );
    this.#timer = setInterval(() => this.track(this.checkSilent()), this.tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    if (this.#timer) clearInterval(this.#timer);
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Forgets a project's cached rules (after a change through this process). */
  invalidate(projectId: string): void {
    this.#rules.delete(projectId);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err) => this.log.error({ err }, "alert evaluation failed"));
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
  }

  private async rulesOf(projectId: string): Promise<AlertRule[]> {
    const now = Date.now();
    const hit = this.#rules.get(projectId);
    if (hit && hit.until > now) return hit.rules;
    const rules = (await this.store.alerts.listAlertRules(projectId)).filter((r) => r.enabled);
    if (this.#rules.size > 10_000) this.#rules.clear();
    this.#rules.set(projectId, { rules, until: now + RULES_TTL_MS });
    return rules;
  }

  private async onEvents(projectId: string, events: readonly StoredEvent[]): Promise<void> {
    const rules = await this.rulesOf(projectId);
    for (const rule of rules) {
      // One rule over one batch at a time: requests waiting for the thread go between rules.
      await setImmediate();
      const p = rule.params;
      const mine = events.filter((e) => p.agentId === undefined || e.agentId === p.agentId);
      if (rule.kind === "violation") {
        await this.firePerAgent(
          projectId,
          rule,
          mine.filter((e) => e.decision === "deny" || e.decision === "warn"),
        );
      } else if (rule.kind === "match") {
        await this.firePerAgent(
          projectId,
          rule,
          mine.filter(
            (e) =>
              (p.type === undefined || e.type === p.type) &&
              (p.name === undefined || globMatch(p.name, e.name)),
          ),
        );
      } else if (rule.kind === "rate" && mine.some((e) => e.type === p.type)) {
        this.scheduleRateCheck(projectId, rule);
      }
    }
  }

  private async firePerAgent(projectId: string, rule: AlertRule, events: StoredEvent[]): Promise<void> {
    const byAgent = new Map<string, StoredEvent[]>();
    for (const e of events) {
      const key = e.agentId ?? "none";
      byAgent.set(key, [...(byAgent.get(key) ?? []), e]);
    }
    for (const [agent, list] of byAgent) {
      const e = list.at(-1)!;
      const name = (await this.store.findAgent(projectId, agent))?.name ?? agent;
      const metadata = parse(e.metadata);
      const policyIds = Array.isArray(metadata.policy_ids)
        ? (metadata.policy_ids as unknown[]).map(String)
        : [];
      const what = `${e.type} "${e.name}"`;
      const summary =
        rule.kind === "violation"
          ? `${e.decision} of ${what} by agent ${name}${policyIds.length ? ` (policy ${policyIds.join(", ")})` : ""}`
          : `agent ${name}: ${what}`;
      await this.fire(projectId, rule, `agent:${agent}`, summary, {
        agent_id: e.agentId,
        agent_name: name,
        events_in_batch: list.length,
        event: {
          id: e.id,
          type: e.type,
          name: e.name,
          decision: e.decision,
          timestamp: formatMicros(e.ts),
          policy_ids: policyIds,
        },
      });
    }
  }

  private scheduleRateCheck(projectId: string, rule: AlertRule): void {
    const state = this.#rateChecks.get(rule.id) ?? { at: 0, pending: false };
    this.#rateChecks.set(rule.id, state);
    if (state.pending) return;
    state.pending = true;
    const wait = Math.max(0, state.at + RATE_CHECK_MS - Date.now());
    const run = () =>
      this.track(
        this.checkRate(projectId, rule).finally(() => {
          state.pending = false;
          state.at = Date.now();
        }),
      );
    if (wait === 0) run();
    else setTimeout(run, wait).unref();
  }

  private async checkRate(projectId: string, rule: AlertRule): Promise<void> {
    const p = rule.params;
    const windowUs = (p.windowSeconds ?? 60) * 1_000_000;
    const now = Date.now() * 1000;
    const counts = await this.store.summarizeEvents(projectId, {
      type: p.type!,
      since: now - windowUs,
      ...(p.agentId !== undefined ? { agentId: p.agentId } : {}),
    });
    const count = counts.reduce((sum, c) => sum + c.count, 0);
    if (count <= (p.threshold ?? 0)) return;
    await this.fire(
      projectId,
      rule,
      "rate",
      `${count} ${p.type} events in ${p.windowSeconds} s (threshold ${p.threshold})`,
      {
        type: p.type,
        count,
        threshold: p.threshold,
        window_seconds: p.windowSeconds,
        agent_id: p.agentId ?? null,
      },
    );
  }

  /** Every enabled silent rule of every project: an agent whose last event is older than N minutes. */
  async checkSilent(): Promise<void> {
    if (this.#silentRunning) return;
    this.#silentRunning = true;
    try {
      const now = this.clock();
      for (const rule of await this.store.alerts.enabledAlertRules("silent")) {
        const limitMs = (rule.params.silentMinutes ?? 0) * 60_000;
        const agents = rule.params.agentId
          ? [await this.store.findAgent(rule.projectId, rule.params.agentId)].filter((a) => a !== null)
          : await this.store.listAgents(rule.projectId);
        for (const agent of agents) {
          const last = agent.lastSeenAt ?? agent.createdAt;
          const silentMs = now - Date.parse(last);
          if (silentMs < limitMs) continue;
          // The key names the last sign of life: an agent that comes back and goes quiet again is a new
          // condition (alerted at once); one that stays quiet is reminded of after each cooldown.
          await this.fire(
            rule.projectId,
            rule,
            `silent:${agent.id}:${last}`,
            `agent ${agent.name} has sent nothing for ${Math.floor(silentMs / 60_000)} minutes (last seen ${last})`,
            {
              agent_id: agent.id,
              agent_name: agent.name,
              last_seen_at: agent.lastSeenAt,
              silent_minutes: rule.params.silentMinutes,
            },
          );
        }
      }
    } finally {
      this.#silentRunning = false;
    }
  }

  private async fire(
    projectId: string,
    rule: AlertRule,
    condition: string,
    summary: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    const now = Date.now();
    const payload: Omit<AlertPayload, "id"> = {
      type: "alert",
      rule: { id: rule.id, name: rule.name, kind: rule.kind },
      project_id: projectId,
      condition,
      fired_at: new Date(now).toISOString(),
      summary,
      details,
    };
    const id = newId("alt");
    const fired = await this.store.alerts.fireAlert(projectId, {
      id,
      ruleId: rule.id,
      conditionKey: condition,
      now,
      cooldownMs: rule.cooldownSeconds * 1000,
      payload: JSON.stringify({ id, ...payload }),
      channels: rule.channels,
    });
    if (fired) this.dispatcher.kick();
  }
}

function parse(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}
