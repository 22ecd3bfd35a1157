import { deciderFromSession } from "../../../govern/client.js";
import { CHANNELS, type Channel, type DecisionRequest } from "../../../govern/protocol.js";
import { readSessionRecord } from "../../../govern/session-files.js";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG } from "../../command.js";
import { CliError, EXIT, usageError } from "../../errors.js";
import { type CliIo, processIo } from "../../io.js";
import { EXIT_BLOCKED } from "../run/run.js";

export interface HookExecOptions {
  session: string;
  channel: Channel;
  cwd: string;
  shell?: string;
  action?: string;
  argv?: string[];
}

/**
 * The cold fallback of a session's shims and guards when its daemon is gone: decides one request in this
 * process from the session file (its policy and mode, fixed when `run` started), seals the receipt, and
 * answers by exit code: 0 allowed, 126 blocked (the line is on stderr), anything else no decision.
 */
export async function hookExec(o: HookExecOptions, io: CliIo = processIo()): Promise<number> {
  const record = readSessionRecord(o.session);
  let req: DecisionRequest;
  if (o.shell !== undefined) req = { kind: "shell", channel: o.channel, cwd: o.cwd, command: o.shell };
  else if (o.action !== undefined) {
    let action: unknown;
    try {
      action = JSON.parse(o.action);
    } catch {
      throw usageError("hook exec: --action must be JSON");
    }
    req = { kind: "action", channel: o.channel, cwd: o.cwd, action: action as never };
  } else if (o.argv && o.argv.length > 0) {
    const [binary, ...args] = o.argv as [string, ...string[]];
    req = { kind: "exec", channel: o.channel, cwd: o.cwd, binary, args };
  } else throw usageError("hook exec needs -- PROGRAM ARGS, --shell STRING or --action JSON");
  const decider = await deciderFromSession(record);
  try {
    const answer = decider.decide(req);
    if (answer.verdict === "block") {
      io.stderr(`${answer.message}\n`);
      return EXIT_BLOCKED;
    }
    return EXIT.ok;
  } finally {
    await decider.writer.close();
  }
}

export const hookExecCommand: CommandSpec = {
  name: "hook exec",
  summary: "Decide one command for a session whose daemon is gone (used by shims)",
  help: `Usage: transient-trace hook exec --session DIR --channel C [--cwd DIR] (-- PROGRAM ARGS... | --shell STRING | --action JSON)

The cold fallback of "transient-trace run": shims and the Node and Python guards call it when the
session's decision daemon does not answer. Decides with the session's own policy and mode (from
DIR/session.json, fixed when run started; the environment is not read), seals the receipt into the
session's log, and answers by exit code.

Exit codes: 0 allowed; 126 blocked (the reason on stderr); 1 no decision could be made; 2 wrong usage.
`,
  options: {
    ...HELP_FLAG,
    session: { type: "string" },
    channel: { type: "string" },
    cwd: { type: "string" },
    shell: { type: "string" },
    action: { type: "string" },
  },
  async run(values, positionals, io) {
    if (typeof values.session !== "string") throw usageError("hook exec needs --session DIR");
    const channel = (values.channel ?? "shell") as Channel;
    if (!CHANNELS.includes(channel)) throw usageError(`hook exec: unknown channel "${channel}"`);
    const code = await hookExec(
      {
        session: values.session,
        channel,
        cwd: typeof values.cwd === "string" ? values.cwd : io.cwd,
        shell: values.shell as string | undefined,
        action: values.action as string | undefined,
        argv: positionals,
      },
      io,
    );
    if (code !== EXIT.ok) throw new CliError("", code);
  },
};
