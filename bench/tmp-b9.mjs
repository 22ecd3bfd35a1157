import {
  isValidEvent,
  redactHeaders,
  redactText,
  redactUrl,
  scrubSecrets,
} from "../packages/core/src/index.ts";
