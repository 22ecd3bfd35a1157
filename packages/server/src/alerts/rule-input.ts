import { randomBytes } from "node:crypto";
import { EVENT_TYPES } from "@trusera/core";
import { badRequest } from "../errors.js";
import type { AlertChannel, AlertKind, AlertRule, NewAlertRule } from "../store/types.js";

/** A rule as the API takes it (snake_case); checked per kind by `ruleFromBody`. */
export interface AlertRuleBody {
  name: string;
  kind: AlertKind;
  enabled?: boolean;
  agent_id?: string;
  type?: string;
  name_pattern?: string;
  threshold?: number;
  window_seconds?: number;
  silent_minutes?: number;
  cooldown_seconds?: number;
  channels: ({ type: "webhook"; url: string; secret?: string } | { type: "slack"; url: string })[];
}

const URL_TEXT = { type: "string", minLength: 8, maxLength: 2000, pattern: "^https?://" } as const;

export const ALERT_RULE_BODY = {
  type: "object",
  required: ["name", "kind", "channels"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, maxLength: 200, pattern: "^[^\\u0000]+$" },
    kind: { type: "string", enum: ["violation", "rate", "silent", "match"] },
    enabled: { type: "boolean" },
    agent_id: { type: "string", minLength: 1, maxLength: 256, pattern: "^[^\\u0000]+$" },
    type: { type: "string", enum: [...EVENT_TYPES] },
    name_pattern: { type: "string", minLength: 1, maxLength: 500, pattern: "^[^\\u0000]+$" },
    threshold: { type: "integer", minimum: 0, maximum: 1_000_000_000 },
    window_seconds: { type: "integer", minimum: 1, maximum: 86_400 },
    silent_minutes: { type: "integer", minimum: 1, maximum: 100_000 },
    cooldown_seconds: { type: "integer", minimum: 0, maximum: 30 * 86_400 },
    channels: {
      type: "array",
      minItems: 1,
      maxItems: 10,
      items: {
        type: "object",
        required: ["type", "url"],
        additionalProperties: false,
        properties: {
          type: { type: "string", enum: ["webhook", "slack"] },
          url: URL_TEXT,
          secret: { type: "string", minLength: 16, maxLength: 200 },
        },
      },
    },
  },
} as const;

const DEFAULT_COOLDOWN = 300;

/**
 * The rule a body describes, with the agent resolved (`agentId` is the agent's id), or a 400 naming
 * what the kind lacks or does not take. A webhook without a secret gets a new one (`whsec_...`).
 */
export function ruleFromBody(
  body: AlertRuleBody,
  agentId: string | undefined,
  previous?: AlertRule,
): NewAlertRule {
  const allowed: Record<AlertKind, string[]> = {
    violation: ["agent_id"],
    match: ["agent_id", "type", "name_pattern"],
    rate: ["agent_id", "type", "threshold", "window_seconds"],
    silent: ["agent_id", "silent_minutes"],
  };
  const params = [
    "agent_id",
    "type",
    "name_pattern",
    "threshold",
    "window_seconds",
    "silent_minutes",
  ] as const;
  for (const p of params) {
    if (body[p] !== undefined && !allowed[body.kind].includes(p))
      throw badRequest(`a ${body.kind} rule takes no ${p} (it takes ${allowed[body.kind].join(", ")})`);
  }
  if (
    body.kind === "rate" &&
    (body.type === undefined || body.threshold === undefined || body.window_seconds === undefined)
  )
    throw badRequest("a rate rule needs type, threshold and window_seconds");
  if (body.kind === "silent" && body.silent_minutes === undefined)
    throw badRequest("a silent rule needs silent_minutes");
  if (
    body.kind === "match" &&
    body.agent_id === undefined &&
    body.type === undefined &&
    body.name_pattern === undefined
  )
    throw badRequest("a match rule needs at least one of agent_id, type and name_pattern");
  const channels = body.channels.map((c, i): AlertChannel => {
    if (c.type === "slack") return { type: "slack", url: c.url };
    // Editing a rule without resending a webhook's secret keeps the secret it had.
    const old = previous?.channels[i];
    const kept = old?.type === "webhook" && old.url === c.url ? old.secret : undefined;
    return {
      type: "webhook",
      url: c.url,
      secret: c.secret ?? kept ?? `whsec_${randomBytes(24).toString("base64url")}`,
    };
  });
  return {
    name: body.name,
    kind: body.kind,
    enabled: body.enabled ?? true,
    params: {
      ...(agentId !== undefined ? { agentId } : {}),
      ...(body.type !== undefined ? { type: body.type } : {}),
      ...(body.name_pattern !== undefined ? { name: body.name_pattern } : {}),
      ...(body.threshold !== undefined ? { threshold: body.threshold } : {}),
      ...(body.window_seconds !== undefined ? { windowSeconds: body.window_seconds } : {}),
      ...(body.silent_minutes !== undefined ? { silentMinutes: body.silent_minutes } : {}),
    },
    channels,
    cooldownSeconds: body.cooldown_seconds ?? DEFAULT_COOLDOWN,
  };
}

/** A rule as the API answers it: webhook secrets included, for the admins who configure receivers. */
export function ruleJson(r: AlertRule) {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    enabled: r.enabled,
    agent_id: r.params.agentId ?? null,
    type: r.params.type ?? null,
    name_pattern: r.params.name ?? null,
    threshold: r.params.threshold ?? null,
    window_seconds: r.params.windowSeconds ?? null,
    silent_minutes: r.params.silentMinutes ?? null,
    cooldown_seconds: r.cooldownSeconds,
    channels: r.channels,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/**
 * `*` matches any run of characters; nothing else is special. Linear in the text: each literal piece
 * between stars is found left to right at its first place, which is the right answer for a pattern
 * whose only wildcard is `*` (a regex here backtracked: `*a*a*a*a*b` on 256 `a` froze the server).
 * Inputs are bounded by the API (patterns 500 characters, names 512).
 */
export function globMatch(pattern: string, text: string): boolean {
  const pieces = pattern.split("*");
  if (pieces.length === 1) return pattern === text;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (first.length + last.length > text.length || !text.startsWith(first) || !text.endsWith(last))
    return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    if (piece === "") continue;
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}
