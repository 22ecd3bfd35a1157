export { type HistoryRecord, historyRecord, RULES_CONNECTOR, recordText, replayAction } from "./history.js";
export {
  type Example,
  LEARNING_DEFAULTS,
  type LearningOptions,
  type Suggestion,
  type SuggestionImpact,
  suggestionId,
  suggestRules,
} from "./suggest.js";
export { evidenceFingerprint, onlyTightens, rejectionHolds } from "./verdicts.js";
