/** Single-quotes a string for sh. */
export const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface ShimScriptOptions {
  sessionId: string;
  /** `/bin/bash` (or wherever it is): the shim needs bash for /dev/tcp; without bash every call takes the fallback. */
  bash: string | undefined;
  port: number;
  token: string;
  mode: "audit" | "strict" | "permissive";
  node: string;
  cli: string;
  sessionDir: string;
  marker: string;
}

/**
 * The PATH shim of a session: one script, linked under every monitored name. It finds the real program
 * beyond every shim directory, asks the session's daemon over loopback TCP with bash's /dev/tcp (no
 * process started: about 2-4 ms in all, most of it bash itself), then execs the program or prints the
 * blocked line and exits 126. If the daemon is gone or silent it decides in a cold `node` process from
 * the session file; if that fails too, strict and permissive modes block and audit runs the program
 * with a warning. Everything it needs is written into it: nothing is read from the environment but
 * PATH (to find the real program) and PWD.
 */
export function shimScript(o: ShimScriptOptions): string {
  const failClosed = o.mode !== "audit";
  const ask = o.bash
    ? `_tt_v=
if { exec 3<>/dev/tcp/127.0.0.1/${o.port}; } 2>/dev/null; then
  printf 'TT1\\0%s\\0shell\\0exec\\0%s\\0%s\\0%s\\0' ${sq(o.token)} "$PWD" "$(($# + 1))" "$_tt_real" >&3
  [ $# -eq 0 ] || printf '%s\\0' "$@" >&3
  IFS= read -r -t 10 _tt_v <&3
  IFS= read -r -t 1 _tt_m <&3
  exec 3<&-
fi
case $_tt_v in
  allow) exec -a "$_tt_n" "$_tt_real" "$@" ;;
  block) printf '%s\\n' "$_tt_m" >&2; exit 126 ;;
esac
`
    : "";
  const run = o.bash ? `exec -a "$_tt_n" "$_tt_real" "$@"` : `exec "$_tt_real" "$@"`;
  return `#!${o.bash ?? "/bin/sh"}
# transient-trace PATH shim of session ${o.sessionId} (${o.mode}), written by "transient-trace run".
# Asks the session's decision daemon, then runs the real program or refuses with exit 126.
_tt_n=\${0##*/}
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
case $_tt_real in /*) ;; *) _tt_real=$PWD/$_tt_real ;; esac
${ask}# No answer from the daemon: decide in a cold process from the session file.
NODE_OPTIONS= ${sq(o.node)} ${sq(o.cli)} hook exec --session ${sq(o.sessionDir)} --channel shell --cwd "$PWD" -- "$_tt_real" "$@"
case $? in
  0) ${run} ;;
  126) exit 126 ;;
esac
${
  failClosed
    ? `printf '%s\\n' "transient-trace: blocked \\"$_tt_n\\": no decision could be made (decision daemon and fallback unavailable) and ${o.mode} mode fails closed" >&2
exit 126`
    : `printf '%s\\n' "transient-trace: warning: $_tt_n runs without a decision or receipt (decision daemon and fallback unavailable)" >&2
${run}`
}
`;
}
