import type { FastifyBaseLogger } from "fastify";
import { Periodic } from "../background/periodic.js";
import type { Store } from "../store/types.js";
import type { AutoApproval, LearningService } from "./learning-service.js";
import { learningOptions } from "./window.js";

/** The author of the versions the sweep writes, in the policy history (`author_key_id`). */
export const AUTO_TIGHTEN_AUTHOR = "system:auto-tighten";
/** What the description of those versions names as the reason they were approved. */
export const AUTO_TIGHTEN_TRIGGER = "TRUSERA_LEARNING_AUTO_TIGHTEN=1";

/**
 * With TRUSERA_LEARNING_AUTO_TIGHTEN=1: every `intervalSeconds`, over every project that has events,
 * approves the suggestions that only tighten (default window and thresholds), through the
 * LearningService, so nobody has to be looking. Listing suggestions never approves anything.
 * Each process of a deployment runs it; two processes sweeping the same project at the same instant
 * could each approve the same forbid (the second version repeats the rule, which changes no decision).
 */
export class AutoTightener {
  readonly #periodic: Periodic;
  #stopping = false;

  constructor(
    private readonly store: Store,
    private readonly learning: LearningService,
    options: { intervalSeconds: number },
    private readonly log: FastifyBaseLogger,
  ) {
    this.#periodic = new Periodic(
      options.intervalSeconds,
      () => this.run(),
      (err) =>
        this.log.error({ err }, "learning auto-tighten sweep failed; will try again at the next interval"),
    );
  }

  start(): void {
    this.#stopping = false;
    this.#periodic.start();
  }

  /** Stops the timer and waits for a sweep in progress (which ends after its current project). */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#periodic.stop();
  }

  /** One sweep: the approvals per project. A project that fails is logged and the others still run. */
  async run(): Promise<Map<string, AutoApproval[]>> {
    const done = new Map<string, AutoApproval[]>();
    for (const projectId of await this.store.projectsWithEvents()) {
      if (this.#stopping) break; // shutting down: the rest waits for the next start
      try {
        const approved = await this.learning.approveTightening(
          projectId,
          AUTO_TIGHTEN_AUTHOR,
          learningOptions(),
          AUTO_TIGHTEN_TRIGGER,
        );
        done.set(projectId, approved);
        if (approved.length > 0)
          this.log.info({ projectId, approved }, "learning: auto-approved suggestions that only tighten");
      } catch (err) {
        this.log.error({ err, projectId }, "learning: auto-tighten failed for a project");
      }
    }
    return done;
  }
}
