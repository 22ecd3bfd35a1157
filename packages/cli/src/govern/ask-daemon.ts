import { createConnection } from "node:net";
import { type Answer, type DecisionRequest, encodeRequest, parseAnswer } from "./protocol.js";
import type { SessionRecord } from "./session-files.js";

// Its own file, without the engine: the Claude Code hook's fast entry hands calls over with it.
/** Asks a session's daemon over its Unix socket. Undefined when it cannot be asked (gone, silent). */
export function askDaemon(
  record: Pick<SessionRecord, "socket" | "token">,
  req: DecisionRequest,
  timeoutMs = 10_000,
): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (a: Answer | undefined) => {
      if (settled) return;
      settled = true;
      resolve(a);
    };
    const c = createConnection(record.socket);
    c.setTimeout(timeoutMs, () => {
      c.destroy();
      done(undefined);
    });
    c.on("connect", () => c.write(encodeRequest(record.token, req)));
    c.on("data", (d: Buffer) => chunks.push(d));
    c.on("error", () => done(undefined));
    c.on("close", () => done(parseAnswer(Buffer.concat(chunks).toString("utf8"))));
  });
}
