import type { Store } from "../store/types.js";

const MAX_CACHED = 10_000;

/**
 * Turns the agent reference an event carries (an agent id, or a name as an SDK uses before or
 * instead of registering) into the agent's id, creating the agent on first sight. Agents are never
 * deleted or renamed, so a resolved reference can be cached for the life of the process.
 */
export class AgentResolver {
  readonly #cache = new Map<string, string>();

  constructor(private readonly store: Store) {}

  async resolve(projectId: string, ref: string): Promise<string> {
    const key = `${projectId}\u0000${ref}`;
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const agent =
      (await this.store.findAgent(projectId, ref)) ??
      (await this.store.upsertAgent(projectId, ref, "unknown"));
    if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
    this.#cache.set(key, agent.id);
    return agent.id;
  }
}
