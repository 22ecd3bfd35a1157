import type pg from "pg";
import { newId, nowIso } from "../ids.js";
import { toActivation, toPolicyVersion } from "../rows.js";
import type { NewPolicyVersion, PolicyActivation, PolicyVersion, RollbackResult } from "../types.js";
import type { PgClient } from "./pg-client.js";

/**
 * The policy half of the Postgres store: immutable versions and the stack of activations. Every change
 * locks the project's row, so that version numbers and the stack stay consistent when several
 * processes change one project at once.
 */
export class PostgresPolicyVersions {
  readonly #db: PgClient;

  constructor(db: PgClient) {
    this.#db = db;
  }

  async create(projectId: string, input: NewPolicyVersion): Promise<PolicyVersion> {
    return this.#db.transaction(async (client) => {
      await this.#db.q("lockProject", [projectId], client);
      const number = Number((await this.#db.one("nextPolicyNumber", [projectId], client))!.n);
      const version: PolicyVersion = { id: newId("pol"), projectId, number, createdAt: nowIso(), ...input };
      await this.#db.q(
        "insertPolicy",
        [
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
        ],
        client,
      );
      return version;
    });
  }

  async get(projectId: string, id: string): Promise<PolicyVersion | null> {
    const row = await this.#db.one("policyById", [projectId, id]);
    return row ? toPolicyVersion(row) : null;
  }

  async list(projectId: string, page: { limit: number; beforeNumber?: number }): Promise<PolicyVersion[]> {
    const before = page.beforeNumber ?? 2_147_483_647;
    return (await this.#db.q("policiesPage", [projectId, before, page.limit])).map(toPolicyVersion);
  }

  async active(projectId: string): Promise<{ version: PolicyVersion; activation: PolicyActivation } | null> {
    const row = await this.#db.one("activePolicy", [projectId]);
    return row ? { version: toPolicyVersion(row), activation: toActivation(row) } : null;
  }

  async activate(projectId: string, versionId: string, byKeyId: string) {
    return this.#db.transaction(async (client) => {
      await this.#db.q("lockProject", [projectId], client);
      const version = await this.#db.one("policyById", [projectId, versionId], client);
      if (!version) return null;
      const top = await this.#db.one("topActivation", [projectId], client);
      if (top && top.version_id === versionId) {
        return { version: toPolicyVersion(version), activation: toActivation(top) };
      }
      const activation = await this.pushActivation(
        client,
        projectId,
        versionId,
        top ? Number(top.seq) : null,
        "activate",
        byKeyId,
      );
      return { version: toPolicyVersion(version), activation };
    });
  }

  private async pushActivation(
    client: pg.PoolClient,
    projectId: string,
    versionId: string,
    belowSeq: number | null,
    kind: PolicyActivation["kind"],
    byKeyId: string,
  ): Promise<PolicyActivation> {
    const at = nowIso();
    const row = await this.#db.one(
      "insertActivation",
      [projectId, versionId, belowSeq, kind, byKeyId, at],
      client,
    );
    return { seq: Number(row!.seq), versionId, kind, activatedBy: byKeyId, activatedAt: at };
  }

  async rollback(projectId: string, byKeyId: string): Promise<RollbackResult> {
    return this.#db.transaction(async (client): Promise<RollbackResult> => {
      await this.#db.q("lockProject", [projectId], client);
      const top = await this.#db.one("topActivation", [projectId], client);
      if (!top) return { ok: false, reason: "no_active_version" };
      if (top.below_seq === null) return { ok: false, reason: "nothing_to_roll_back" };
      const below = (await this.#db.one("activationBySeq", [projectId, top.below_seq], client))!;
      const activation = await this.pushActivation(
        client,
        projectId,
        below.version_id as string,
        below.below_seq === null ? null : Number(below.below_seq),
        "rollback",
        byKeyId,
      );
      const version = toPolicyVersion(
        (await this.#db.one("policyById", [projectId, below.version_id], client))!,
      );
      return { ok: true, version, activation };
    });
  }

  async activations(projectId: string, limit: number): Promise<PolicyActivation[]> {
    return (await this.#db.q("activations", [projectId, limit])).map(toActivation);
  }
}
