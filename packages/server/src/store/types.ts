/**
 * The storage port: everything the server keeps goes through this interface, named by intent. One
 * implementation per database dialect (SQLite now, Postgres next); one contract test suite runs
 * against every implementation (test/store-contract.ts).
 *
 * Every method that reads or writes tenant data takes the project id first: scoping is not optional.
 */

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

export interface EventQuery {
  agentId?: string;
  type?: string;
  /** Microseconds, inclusive. */
  since?: number;
  /** Microseconds, exclusive. */
  until?: number;
  limit: number;
  /** Continue after this position (newest first): the last event of the previous page. */
  after?: { ts: number; id: string };
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

export interface IngestBatch {
  events: StoredEvent[];
  /** Events the client reported dropping; added to the counter of `dropsAgentId` (or the project's). */
  dropped: number;
  dropsAgentId: string | null;
  /** When set, the result is remembered under this key and a repeat returns it without storing anything. */
  idempotencyKey?: string;
}

export interface Store {
  /** Creates or upgrades the schema to the newest version; safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** `sqlite` or `postgres`. */
  readonly dialect: string;

  // Projects and keys
  createProject(name: string): Promise<Project>;
  findProjectByName(name: string): Promise<Project | null>;
  getProject(id: string): Promise<Project | null>;
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

  // Agents
  /** Finds the agent `name` of the project, or creates it; never two agents of one name in a project. */
  upsertAgent(projectId: string, name: string, framework: string): Promise<Agent>;
  /** The agent whose id, or failing that whose name, is `idOrName`. */
  findAgent(projectId: string, idOrName: string): Promise<Agent | null>;
  listAgents(projectId: string): Promise<Agent[]>;

  // Events
  /** Stores the batch atomically; an event id already stored in the project is counted as a duplicate. */
  ingestEvents(projectId: string, batch: IngestBatch): Promise<IngestResult>;
  /** Newest first. */
  listEvents(projectId: string, query: EventQuery): Promise<StoredEvent[]>;
}
