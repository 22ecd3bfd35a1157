import type {
  Agent,
  ApiKeyRecord,
  DefaultDecision,
  KeyRole,
  PolicyActivation,
  PolicyVersion,
  Project,
  StoredEvent,
} from "./types.js";

/**
 * Row mappers shared by every dialect: both name their columns alike. Numbers go through `Number()`
 * because Postgres hands BIGINT back as text (every value here is below 2^53).
 */
export type Row = Record<string, unknown>;

const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export const toProject = (r: Row): Project => ({
  id: r.id as string,
  name: r.name as string,
  createdAt: r.created_at as string,
});

export const toKey = (r: Row): ApiKeyRecord => ({
  id: r.id as string,
  projectId: r.project_id as string,
  role: r.role as KeyRole,
  prefix: r.prefix as string,
  label: strOrNull(r.label),
  createdAt: r.created_at as string,
  revokedAt: strOrNull(r.revoked_at),
});

export const toAgent = (r: Row): Agent => ({
  id: r.id as string,
  projectId: r.project_id as string,
  name: r.name as string,
  framework: r.framework as string,
  createdAt: r.created_at as string,
  lastSeenAt: strOrNull(r.last_seen_at),
  droppedEvents: Number(r.dropped_events),
  metadata: strOrNull(r.metadata),
  lastHeartbeatAt: strOrNull(r.last_heartbeat_at),
});

export const toEvent = (r: Row): StoredEvent => ({
  id: r.id as string,
  agentId: strOrNull(r.agent_id),
  type: r.type as string,
  name: r.name as string,
  ts: Number(r.ts),
  receivedAt: Number(r.received_at),
  payload: r.payload as string,
  metadata: r.metadata as string,
  decision: strOrNull(r.decision),
});

export const toPolicyVersion = (r: Row): PolicyVersion => ({
  id: r.id as string,
  projectId: r.project_id as string,
  number: Number(r.number),
  digest: r.digest as string,
  policies: r.policies as string,
  schema: strOrNull(r.schema_text),
  defaultDecision: r.default_decision as DefaultDecision,
  description: strOrNull(r.description),
  authorKeyId: r.author_key_id as string,
  createdAt: r.created_at as string,
});

export const toActivation = (r: Row): PolicyActivation => ({
  seq: Number(r.seq),
  versionId: r.version_id as string,
  kind: r.kind as PolicyActivation["kind"],
  activatedBy: r.activated_by as string,
  activatedAt: r.activated_at as string,
});
