/**
 * The storage port: everything the server keeps goes through this interface, named by intent. One
 * implementation per database dialect (SQLite now, Postgres next); one contract test suite runs
 * against every implementation (test/store-contract.ts).
 *
 * Every method that reads or writes tenant data takes the project id first: scoping is not optional.
 * A foreign id is indistinguishable from a missing one (null / false), so callers answer 404 alike.
 */

import type { AlertStore } from "./alert-types.js";
import type { ReceiptStore } from "./receipt-types.js";
import type { SessionStore } from "./session-types.js";
import type { SuggestionStore } from "./suggestion-types.js";

export type * from "./alert-types.js";
export type * from "./receipt-types.js";
export type * from "./session-types.js";
export type * from "./suggestion-types.js";

export type KeyRole = "admin" | "ingest";

export interface Project {
  id: string;
  name: string;
  createdAt: string;
}

export interface ApiKeyRecord {
  id: string;
  projectId: string;
  role: KeyRole;
  /** The first characters of the key after `tsk_`, so that a person can tell keys apart. Not a secret. */
  prefix: string;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface Agent {
  id: string;
  projectId: string;
  name: string;
  framework: string;
  createdAt: string;
  lastSeenAt: string | null;
  /** Events the agent's SDK reported dropping before they could be sent (buffer overflow, close timeout). */
  droppedEvents: number;
  /** JSON text of what the agent said about itself at registration (hostname, environment, ...), or null. */
  metadata: string | null;
  /** When the fleet dialect last sent a heartbeat for it. */
  lastHeartbeatAt: string | null;
}

export interface AgentPage {
  limit: number;
  /** Continue after this agent name (agents are listed by name). */
  afterName?: string;
}

/** An event as stored: validated, with its agent resolved and its time in microseconds. */
export interface StoredEvent {
  id: string;
  agentId: string | null;
  type: string;
  name: string;
  /** Microseconds since the epoch. */
  ts: number;
  /** Microseconds since the epoch. */
  receivedAt: number;
  /** JSON text of the payload object. */
  payload: string;
  /** JSON text of the metadata object. */
  metadata: string;
  /** The policy decision recorded with the event, if any: `allow`, `deny` or `warn`. */
  decision: string | null;
}

/** An event as `scanEvents` reads it: without its receipt time. */
export type ScannedEvent = Omit<StoredEvent, "receivedAt">;

/** A window to scan: `limit` bounds the whole scan; pages hold `pageSize` events (the backend's default). */
export type ScanQuery = Omit<EventQuery, "after"> & { pageSize?: number };

/** Where an event stands in the newest-first order of events. */
export interface EventPosition {
  ts: number;
  id: string;
}

/**
 * A range of a scan's order, for threads that share a scan: at most `limit` events after `after`
 * (the start when null) up to `through` (inclusive; to the end when null).
 */
export interface ScanPart {
  after: EventPosition | null;
  through: EventPosition | null;
  limit: number;
}

/** A SQLite scan cut into parts that threads of their own read on read-only connections of `path`. */
export interface SplitScan {
  path: string;
  /** The project's key in the events table. */
  projectKey: number;
  parts: ScanPart[];
  /** Events in the parts. */
  total: number;
  /** True when the window holds more events than the scan's `limit`. */
  more: boolean;
}

export interface EventQuery {
  agentId?: string;
  type?: string;
  /**
   * `allow`, `deny`, `warn`, `none` for events without a recorded decision, or `violation` for `deny`
   * and `warn` together.
   */
  decision?: string;
  /** Microseconds, inclusive. */
  since?: number;
  /** Microseconds, exclusive. */
  until?: number;
  /** Events ingested from one OTLP trace (32 lower-case hex characters; see otel/span-event.ts). */
  traceId?: string;
  /** Events whose name or payload text contains this, case-insensitively. */
  text?: string;
  limit: number;
  /** Continue after this position (newest first): the last event of the previous page. */
  after?: { ts: number; id: string };
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** The ids of the events this call stored (not duplicates), when the batch asked (`returnInserted`). */
  inserted?: string[];
}

export interface IngestBatch {
  events: StoredEvent[];
  /** Events the client reported dropping; added to the counter of `dropsAgentId` (or the project's). */
  dropped: number;
  dropsAgentId: string | null;
  /** When set, the result is remembered under this key and a repeat returns it without storing anything. */
  idempotencyKey?: string;
  /** Answer the ids stored by this call in `inserted` (for live streams and alerts). */
  returnInserted?: boolean;
}

/** How many events of one type and decision a window holds (see `summarizeEvents`). */
export interface EventCount {
  type: string;
  decision: string | null;
  count: number;
}

/** Events of one type and decision in one time bucket (see `eventHistogram`). */
export interface EventBucket {
  /** Start of the bucket, µs since the epoch. */
  bucket: number;
  type: string;
  decision: string | null;
  count: number;
}

/** An agent's events and violations (deny or warn) in a window (see `countEventsByAgent`). */
export interface AgentEventCount {
  agentId: string | null;
  events: number;
  violations: number;
}

export type DefaultDecision = "allow" | "deny";

/** One immutable version of a project's policy set. */
export interface PolicyVersion {
  id: string;
  projectId: string;
  /** 1, 2, 3, ... within the project, in order of creation. */
  number: number;
  /** `sha256:<hex>` of `policies`. */
  digest: string;
  /** The Cedar text. */
  policies: string;
  /** The Cedar schema it was validated against, when not the request model's. */
  schema: string | null;
  defaultDecision: DefaultDecision;
  description: string | null;
  /** The id of the API key that created it. */
  authorKeyId: string;
  createdAt: string;
}

export interface NewPolicyVersion {
  policies: string;
  digest: string;
  schema: string | null;
  defaultDecision: DefaultDecision;
  description: string | null;
  authorKeyId: string;
}

/**
 * One change of the active version. Activations form a stack: activating pushes, rolling back pops
 * back to the version that was active before the current one.
 */
export interface PolicyActivation {
  seq: number;
  versionId: string;
  kind: "activate" | "rollback";
  activatedBy: string;
  activatedAt: string;
}

export type RollbackResult =
  | { ok: true; version: PolicyVersion; activation: PolicyActivation }
  | { ok: false; reason: "no_active_version" | "nothing_to_roll_back" };

export interface PurgeResult {
  events: number;
  idempotencyKeys: number;
}

export interface Store {
  /** Creates or upgrades the schema to the newest version; safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** `sqlite` or `postgres`. */
  readonly dialect: string;
  /** Throws when the database cannot answer (used by /readyz). */
  ping(): Promise<void>;

  /** Alert rules, cooldowns and deliveries (usable once migrated). */
  readonly alerts: AlertStore;
  /** Uploaded receipts, their chains and keys (usable once migrated). */
  readonly receipts: ReceiptStore;
  /** Dashboard sessions (usable once migrated). */
  readonly sessions: SessionStore;
  /** Rejected policy suggestions (usable once migrated). */
  readonly suggestions: SuggestionStore;

  // Projects and keys
  createProject(name: string): Promise<Project>;
  findProjectByName(name: string): Promise<Project | null>;
  getProject(id: string): Promise<Project | null>;
  /** The ids of the projects with at least one stored event, in id order (background learning). */
  projectsWithEvents(): Promise<string[]>;
  createApiKey(input: {
    projectId: string;
    role: KeyRole;
    hash: string;
    prefix: string;
    label?: string;
  }): Promise<ApiKeyRecord>;
  /** The key with this hash, if it exists and is not revoked. */
  findActiveKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(projectId: string): Promise<ApiKeyRecord[]>;
  /** True if a key of the project was revoked now; false if there is no such key or it already was. */
  revokeApiKey(projectId: string, keyId: string): Promise<boolean>;
  countApiKeys(): Promise<number>;
  /**
   * On a first start: creates the project (if needed) and this admin key, but only if no key exists at
   * all, atomically even with several processes starting at once. Null when a key already existed.
   */
  createFirstApiKey(input: {
    projectName: string;
    hash: string;
    prefix: string;
    label: string;
  }): Promise<{ project: Project; key: ApiKeyRecord } | null>;

  // Agents
  /** Finds the agent `name` of the project, or creates it; never two agents of one name in a project. */
  upsertAgent(projectId: string, name: string, framework: string): Promise<Agent>;
  /**
   * Explicit registration: creates the agent, or updates the framework and (when given) the metadata
   * JSON of the agent of that name.
   */
  registerAgent(
    projectId: string,
    input: { name: string; framework: string; metadata?: string },
  ): Promise<Agent>;
  /** The agent whose id, or failing that whose name, is `idOrName`. */
  findAgent(projectId: string, idOrName: string): Promise<Agent | null>;
  /** By name; pass `afterName` to continue. */
  listAgents(projectId: string, page?: AgentPage): Promise<Agent[]>;
  /** Records a fleet heartbeat (and new metadata, when given); false when the project has no such agent. */
  recordHeartbeat(projectId: string, agentId: string, metadata?: string): Promise<boolean>;

  // Events
  /** Stores the batch atomically; an event id already stored in the project is counted as a duplicate. */
  ingestEvents(projectId: string, batch: IngestBatch): Promise<IngestResult>;
  /** Newest first. */
  listEvents(projectId: string, query: EventQuery): Promise<StoredEvent[]>;
  getEvent(projectId: string, id: string): Promise<StoredEvent | null>;
  /**
   * Every event of a window (up to `limit` of them), newest first, as pages read one at a time while the
   * caller iterates: for replay and learning, which read whole windows. Fewer columns than `listEvents`
   * (rows read as arrays, no receipt time); stopping the iteration stops the reads.
   */
  scanEvents(projectId: string, query: ScanQuery): AsyncIterable<ScannedEvent[]>;
  /**
   * The scan cut into `parts` parts of equal size for threads that read the database file themselves;
   * absent or null where no other thread can (Postgres, an in-memory SQLite, an unknown project).
   */
  splitScan?(projectId: string, query: Omit<ScanQuery, "pageSize">, parts: number): Promise<SplitScan | null>;
  /** Counts by type and decision of the events in a window (all filters of EventQuery but paging). */
  summarizeEvents(projectId: string, query: Omit<EventQuery, "limit" | "after">): Promise<EventCount[]>;
  /** Counts by time bucket (`bucketMicros` wide, aligned to the epoch), type and decision in a window. */
  eventHistogram(
    projectId: string,
    query: { since: number; until: number; bucketMicros: number },
  ): Promise<EventBucket[]>;
  /** Events and violations per agent in a window. */
  countEventsByAgent(
    projectId: string,
    query: { since?: number; until?: number },
  ): Promise<AgentEventCount[]>;
  /**
   * Retention, across every project: deletes events whose time is before `eventsBefore` (µs) and
   * idempotency records older than `idempotencyKeysBefore` (ms since the epoch), at most `limit` rows
   * of each per call so that no call holds the database for long.
   */
  purgeExpired(input: {
    eventsBefore: number | null;
    idempotencyKeysBefore: number;
    limit: number;
  }): Promise<PurgeResult>;

  // Policies
  /** Stores a new immutable version (not active); its number is the project's next. */
  createPolicyVersion(projectId: string, input: NewPolicyVersion): Promise<PolicyVersion>;
  getPolicyVersion(projectId: string, id: string): Promise<PolicyVersion | null>;
  /** Newest first; pass `beforeNumber` to continue. */
  listPolicyVersions(
    projectId: string,
    page: { limit: number; beforeNumber?: number },
  ): Promise<PolicyVersion[]>;
  /** The active version and the activation that made it so, or null when none is active. */
  getActivePolicy(
    projectId: string,
  ): Promise<{ version: PolicyVersion; activation: PolicyActivation } | null>;
  /**
   * Makes a version active (a no-op when it already is). Null when the project has no such version.
   */
  activatePolicyVersion(
    projectId: string,
    versionId: string,
    byKeyId: string,
  ): Promise<{ version: PolicyVersion; activation: PolicyActivation } | null>;
  /** Makes the version active before the current one active again. */
  rollbackPolicy(projectId: string, byKeyId: string): Promise<RollbackResult>;
  /** Newest first. */
  listPolicyActivations(projectId: string, limit: number): Promise<PolicyActivation[]>;
}
