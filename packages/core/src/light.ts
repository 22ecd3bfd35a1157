// The few pieces that must load without the rest of core (no Cedar engine, receipts or state): the
// Claude Code hook's fast entry in transient-trace imports these on every tool call. `@trusera/core`
// re-exports the same functions; this is only a cheaper door to them.
export { isMode, type Mode } from "./policy/mode.js";
export { redactUrl } from "./redact/url.js";
