/** Rejected policy suggestions (see Store and docs/learning.md). */

/** One rejection: who rejected which suggestion, when, and on what evidence. */
export interface SuggestionRejection {
  id: string;
  projectId: string;
  /** `S-` and 12 hex digits (learning/suggestions.ts). */
  suggestionId: string;
  /** The evidence judged (core's `evidenceFingerprint`) and its count, which decides when it may come back. */
  evidenceFingerprint: string;
  evidenceCount: number;
  /** The key that rejected it (`dashboard-password` for the dashboard's password). */
  rejectedBy: string;
  rejectedAt: string;
}

export interface SuggestionStore {
  recordRejection(
    projectId: string,
    input: { suggestionId: string; evidenceFingerprint: string; evidenceCount: number; rejectedBy: string },
  ): Promise<SuggestionRejection>;
  /** The latest rejection of each suggestion of the project, newest first. */
  latestRejections(projectId: string): Promise<SuggestionRejection[]>;
}
