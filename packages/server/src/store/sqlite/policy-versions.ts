import type Database from "better-sqlite3";
import { newId, nowIso } from "../ids.js";
import { type Row, toActivation, toPolicyVersion } from "../rows.js";
import type { NewPolicyVersion, PolicyActivation, PolicyVersion, RollbackResult } from "../types.js";
import type { Statements } from "./statements.js";

type Active = { version: PolicyVersion; activation: PolicyActivation };

/**
 * The policy half of the SQLite store: immutable versions and the stack of activations. Every change
 * runs in an IMMEDIATE transaction, so version numbers and the stack stay consistent.
 */
export class SqlitePolicyVersions {
  readonly #s: Statements;
  readonly create: (projectId: string, input: NewPolicyVersion) => PolicyVersion;
  readonly activate: (projectId: string, versionId: string, byKeyId: string) => Active | null;
  readonly rollback: (projectId: string, byKeyId: string) => RollbackResult;

  constructor(db: Database.Database, statements: Statements) {
    this.#s = statements;
    const tx = <A extends unknown[], R>(fn: (...args: A) => R) => {
      const t = db.transaction(fn);
      return (...args: A): R => t.immediate(...args);
    };
    this.create = tx(this.createInTransaction.bind(this));
    this.activate = tx(this.activateInTransaction.bind(this));
    this.rollback = tx(this.rollbackInTransaction.bind(this));
  }

  private createInTransaction(projectId: string, input: NewPolicyVersion): PolicyVersion {
    const number = Number((this.#s.nextPolicyNumber.get(projectId) as Row).n);
    const version: PolicyVersion = { id: newId("pol"), projectId, number, createdAt: nowIso(), ...input };
    this.#s.insertPolicy.run(
      version.id,
      projectId,
      number,
      version.digest,
      version.policies,
      version.schema,
      version.defaultDecision,
      version.description,
      version.authorKeyId,
      version.createdAt,
    );
    return version;
  }

  get(projectId: string, id: string): PolicyVersion | null {
    const row = this.#s.policyById.get(projectId, id) as Row | undefined;
    return row ? toPolicyVersion(row) : null;
  }

  list(projectId: string, page: { limit: number; beforeNumber?: number }): PolicyVersion[] {
    const before = page.beforeNumber ?? Number.MAX_SAFE_INTEGER;
    return (this.#s.policiesPage.all(projectId, before, page.limit) as Row[]).map(toPolicyVersion);
  }

  active(projectId: string): Active | null {
    const top = this.#s.topActivation.get(projectId) as Row | undefined;
    if (!top) return null;
    const version = this.#s.policyById.get(projectId, top.version_id) as Row;
    return { version: toPolicyVersion(version), activation: toActivation(top) };
  }

  private activateInTransaction(projectId: string, versionId: string, byKeyId: string): Active | null {
    const version = this.#s.policyById.get(projectId, versionId) as Row | undefined;
    if (!version) return null;
    const top = this.#s.topActivation.get(projectId) as Row | undefined;
    if (top && top.version_id === versionId) {
      return { version: toPolicyVersion(version), activation: toActivation(top) };
    }
    const below = top ? Number(top.seq) : null;
    const activation = this.push(projectId, versionId, below, "activate", byKeyId);
    return { version: toPolicyVersion(version), activation };
  }

  private push(
    projectId: string,
    versionId: string,
    belowSeq: number | null,
    kind: PolicyActivation["kind"],
    byKeyId: string,
  ): PolicyActivation {
    const at = nowIso();
    const info = this.#s.insertActivation.run(projectId, versionId, belowSeq, kind, byKeyId, at);
    return { seq: Number(info.lastInsertRowid), versionId, kind, activatedBy: byKeyId, activatedAt: at };
  }

  private rollbackInTransaction(projectId: string, byKeyId: string): RollbackResult {
    const top = this.#s.topActivation.get(projectId) as Row | undefined;
    if (!top) return { ok: false, reason: "no_active_version" };
    if (top.below_seq === null) return { ok: false, reason: "nothing_to_roll_back" };
    const below = this.#s.activationBySeq.get(projectId, top.below_seq) as Row;
    const activation = this.push(
      projectId,
      below.version_id as string,
      (below.below_seq as number | null) ?? null,
      "rollback",
      byKeyId,
    );
    const version = toPolicyVersion(this.#s.policyById.get(projectId, below.version_id) as Row);
    return { ok: true, version, activation };
  }

  activations(projectId: string, limit: number): PolicyActivation[] {
    return (this.#s.activations.all(projectId, limit) as Row[]).map(toActivation);
  }
}
