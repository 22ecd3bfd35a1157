import { ApiError, notFound } from "../errors.js";
import type { DefaultDecision, PolicyActivation, PolicyVersion, Store } from "../store/types.js";
import { policyDigest } from "./digest.js";
import { compileOrThrow, type PolicyWarning } from "./policy-compiler.js";

export interface NewPolicyInput {
  policies: string;
  schema?: string | null;
  defaultDecision?: DefaultDecision;
  description?: string | null;
  activate?: boolean;
}

/** What SDKs fetch: the active version, or an empty allow-all set when none is active. */
export interface PolicyBundle {
  version: string | null;
  digest: string;
  policies: string;
  defaultDecision: DefaultDecision;
  activatedAt: string | null;
}

const EMPTY_DIGEST = policyDigest("");

/** Versions of a project's policy set: validated on the way in, immutable, one active at a time. */
export class PolicyService {
  constructor(private readonly store: Store) {}

  /** Validates with the engine (400 `invalid_policy` listing every error) and stores a new version. */
  async create(
    projectId: string,
    authorKeyId: string,
    input: NewPolicyInput,
  ): Promise<{ version: PolicyVersion; warnings: PolicyWarning[]; active: boolean }> {
    const defaultDecision = input.defaultDecision ?? "allow";
    const { warnings } = compileOrThrow(input.policies, {
      schema: input.schema ?? null,
      defaultDecision,
      slot: "trusera.validate",
    });
    const version = await this.store.createPolicyVersion(projectId, {
      policies: input.policies,
      digest: policyDigest(input.policies),
      schema: input.schema ?? null,
      defaultDecision,
      description: input.description ?? null,
      authorKeyId,
    });
    if (input.activate) await this.store.activatePolicyVersion(projectId, version.id, authorKeyId);
    return { version, warnings, active: input.activate === true };
  }

  async activate(
    projectId: string,
    versionId: string,
    byKeyId: string,
  ): Promise<{ version: PolicyVersion; activation: PolicyActivation }> {
    const done = await this.store.activatePolicyVersion(projectId, versionId, byKeyId);
    if (!done) throw notFound(`policy version ${versionId}`);
    return done;
  }

  async rollback(
    projectId: string,
    byKeyId: string,
  ): Promise<{ version: PolicyVersion; activation: PolicyActivation }> {
    const result = await this.store.rollbackPolicy(projectId, byKeyId);
    if (!result.ok) {
      throw new ApiError(
        409,
        result.reason,
        result.reason === "no_active_version"
          ? "no policy version is active, so there is nothing to roll back"
          : "the active version is the first one activated; there is no earlier version to go back to",
      );
    }
    return { version: result.version, activation: result.activation };
  }

  async bundle(projectId: string): Promise<PolicyBundle> {
    const active = await this.store.getActivePolicy(projectId);
    if (!active) {
      return {
        version: null,
        digest: EMPTY_DIGEST,
        policies: "",
        defaultDecision: "allow",
        activatedAt: null,
      };
    }
    return {
      version: active.version.id,
      digest: active.version.digest,
      policies: active.version.policies,
      defaultDecision: active.version.defaultDecision,
      activatedAt: active.activation.activatedAt,
    };
  }
}
