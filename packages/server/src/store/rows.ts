import type {
  Agent,
  AgentEventCount,
  AlertChannel,
  AlertDelivery,
  AlertKind,
  AlertParams,
  AlertRule,
  ApiKeyRecord,
  DashboardSession,
  DefaultDecision,
  DeliveryStatus,
  EventBucket,
  FiredAlert,
  KeyRole,
  PolicyActivation,
  PolicyVersion,
  Project,
  ReceiptChainRecord,
  ReceiptKey,
  ReceiptRejection,
  ScannedEvent,
  StoredEvent,
  StoredReceipt,
  SuggestionRejection,
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

/** The columns `scanEvents` reads after the id, in the order `toScannedEvent` expects them. */
export const SCAN_COLUMNS = "agent_id, type, name, ts, payload, metadata, decision";

/** A row of the id (as a backend selects it) then SCAN_COLUMNS, read as an array, its id as text. */
export const toScannedEvent = (r: unknown[], id: string): ScannedEvent => ({
  id,
  agentId: strOrNull(r[1]),
  type: r[2] as string,
  name: r[3] as string,
  ts: Number(r[4]),
  payload: r[5] as string,
  metadata: r[6] as string,
  decision: strOrNull(r[7]),
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

export const toSession = (r: Row): DashboardSession => ({
  id: r.id as string,
  projectId: r.project_id as string,
  keyId: strOrNull(r.key_id),
  csrfToken: r.csrf_token as string,
  createdAt: r.created_at as string,
  expiresAt: Number(r.expires_at),
});

export const toAlertRule = (r: Row): AlertRule => ({
  id: r.id as string,
  projectId: r.project_id as string,
  name: r.name as string,
  kind: r.kind as AlertKind,
  enabled: Number(r.enabled) === 1,
  params: JSON.parse(r.params as string) as AlertParams,
  channels: JSON.parse(r.channels as string) as AlertChannel[],
  cooldownSeconds: Number(r.cooldown_seconds),
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

export const toFiredAlert = (r: Row): FiredAlert => ({
  id: r.id as string,
  projectId: r.project_id as string,
  ruleId: r.rule_id as string,
  conditionKey: r.condition_key as string,
  firedAt: Number(r.fired_at),
  payload: r.payload as string,
});

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export const toDelivery = (r: Row): AlertDelivery => ({
  id: r.id as string,
  projectId: r.project_id as string,
  alertId: r.alert_id as string,
  ruleId: r.rule_id as string,
  channel: JSON.parse(r.channel as string) as AlertChannel,
  status: r.status as DeliveryStatus,
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  lastStatusCode: numOrNull(r.last_status_code),
  lastError: strOrNull(r.last_error),
  createdAt: Number(r.created_at),
  deliveredAt: numOrNull(r.delivered_at),
});

export const toReceiptKey = (r: Row): ReceiptKey => ({
  kid: r.kid as string,
  projectId: r.project_id as string,
  jwk: r.jwk as string,
  createdAt: r.created_at as string,
});

export const toReceipt = (r: Row): StoredReceipt => ({
  hash: r.hash as string,
  chainId: r.chain_id as string,
  seq: Number(r.seq),
  prevHash: r.prev_hash as string,
  receiptId: r.receipt_id as string,
  kid: r.kid as string,
  actorId: r.actor_id as string,
  action: r.action as string,
  actionClass: r.action_class as string,
  outcome: r.outcome as string,
  executionStatus: r.execution_status as string,
  occurredAt: r.occurred_at as string,
  body: r.body as string,
  receivedAt: Number(r.received_at),
});

export const toReceiptChain = (r: Row): ReceiptChainRecord => ({
  id: r.id as string,
  projectId: r.project_id as string,
  actorId: r.actor_id as string,
  headSeq: Number(r.head_seq),
  headHash: r.head_hash as string,
  receipts: Number(r.receipts),
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
  lastVerification: strOrNull(r.last_verification),
});

export const toRejection = (r: Row): ReceiptRejection => ({
  id: r.id as string,
  projectId: r.project_id as string,
  chainId: strOrNull(r.chain_id),
  receiptId: strOrNull(r.receipt_id),
  seq: numOrNull(r.seq),
  kind: r.kind as string,
  message: r.message as string,
  at: r.at as string,
});

export const toBucket = (r: Row): EventBucket => ({
  bucket: Number(r.bucket),
  type: r.type as string,
  decision: strOrNull(r.decision),
  count: Number(r.n),
});

export const toAgentCount = (r: Row): AgentEventCount => ({
  agentId: strOrNull(r.agent_id),
  events: Number(r.events),
  violations: Number(r.violations),
});

export const toSuggestionRejection = (r: Row): SuggestionRejection => ({
  id: r.id as string,
  projectId: r.project_id as string,
  suggestionId: r.suggestion_id as string,
  evidenceFingerprint: r.evidence_fingerprint as string,
  evidenceCount: Number(r.evidence_count),
  rejectedBy: r.rejected_by as string,
  rejectedAt: r.rejected_at as string,
});
