import { sq } from "../govern/shim-script.js";

/**
 * The persistent shim `wrap install NAME` puts in the wrap directory: every later `NAME …` typed in a
 * shell whose PATH has that directory first runs as `transient-trace run --agent NAME -- <real NAME> …`.
 * The real program is found beyond every shim directory at call time, so it may move or be updated.
 */
export function wrapShimScript(o: {
  name: string;
  node: string;
  cli: string;
  marker: string;
  /** Set when install ran with TRANSIENT_TRACE_STATE_DIR: later runs use the same state directory. */
  stateDir?: string;
}): string {
  return `#!/bin/sh
# transient-trace wrap: "${o.name}" runs under "transient-trace run".
# "transient-trace wrap uninstall ${o.name}" removes this file.
_tt_n=${sq(o.name)}
_tt_real=
_tt_p=$PATH:
while [ -n "$_tt_p" ]; do
  _tt_d=\${_tt_p%%:*}
  _tt_p=\${_tt_p#*:}
  [ -n "$_tt_d" ] || _tt_d=.
  [ -e "$_tt_d/${o.marker}" ] && continue
  if [ -f "$_tt_d/$_tt_n" ] && [ -x "$_tt_d/$_tt_n" ]; then _tt_real=$_tt_d/$_tt_n; break; fi
done
if [ -z "$_tt_real" ]; then printf '%s\\n' "$_tt_n: command not found" >&2; exit 127; fi
${o.stateDir ? `TRANSIENT_TRACE_STATE_DIR=${sq(o.stateDir)}\nexport TRANSIENT_TRACE_STATE_DIR\n` : ""}exec ${sq(o.node)} ${sq(o.cli)} run --agent "$_tt_n" -- "$_tt_real" "$@"
`;
}
