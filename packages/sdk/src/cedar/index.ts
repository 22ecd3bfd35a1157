// trusera-sdk/cedar: the request model policies are written against (docs/policy-model.md), for
// building requests to hand to CedarEvaluator.evaluate and for checking policies against the schema.
export {
  ACTIONS,
  type ActionName,
  agentActionRequest,
  CEDAR_TEXT_LIMITS,
  type CedarDecision,
  type CedarEntity,
  type CedarRequest,
  type CedarTextLimits,
  commandRequest,
  dataRequest,
  decisionRequest,
  type EntityRef,
  eventToCedarRequest,
  fileWriteRequest,
  httpRequest,
  modelRequest,
  REQUEST_MODEL_SCHEMA,
  toolRequest,
} from "@trusera/core";
