/** An entity reference, e.g. `{ type: "Host", id: "api.openai.com" }`. */
export interface EntityRef {
  type: string;
  id: string;
}

/** An entity with attributes and parents, passed with a request so that policies can read `resource.hostname`. */
export interface CedarEntity {
  uid: EntityRef;
  attrs: Record<string, unknown>;
  parents: EntityRef[];
  /** Open-ended string values, read in policies with `hasTag` / `getTag`. */
  tags?: Record<string, unknown>;
}

/** One authorization question: may `principal` do `action` on `resource`, given `context`? */
export interface CedarRequest {
  principal: EntityRef;
  action: EntityRef;
  resource: EntityRef;
  context: Record<string, unknown>;
  entities?: CedarEntity[];
}

/** The answer. `policyIds` are the policies that decided it; `errors` those that failed to evaluate. */
export interface CedarDecision {
  decision: "allow" | "deny";
  policyIds: string[];
  errors: string[];
  /** Why, in words, when the decider can say it better than policy ids (a delegated decision). */
  reasons?: string[];
}

/** A parse or validation problem, placed in the policy text. */
export interface CedarDiagnostic {
  severity: "error" | "warning";
  /** The policy it is in, when known (its `@id`, or `policy<N>` counting from 0). */
  policyId?: string;
  message: string;
  help?: string;
  /** 1-based, in the whole policy-set text. */
  line: number;
  column: number;
}
