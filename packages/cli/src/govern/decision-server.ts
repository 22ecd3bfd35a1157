import { timingSafeEqual } from "node:crypto";
import { chmodSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { Decider } from "./decider.js";
import { type Answer, type DecisionRequest, encodeAnswer, parseRequest } from "./protocol.js";

/** A request that has not finished arriving after this long is dropped (a stuck or hostile client). */
const READ_TIMEOUT_MS = 10_000;

export interface DecisionServerAddress {
  socket: string;
  /** Loopback TCP port, for bash shims (`/dev/tcp` does not do Unix sockets). */
  port: number;
}

export interface DecisionServerOptions {
  token: string;
  /** Told about every answer (tests, `--verbose`). */
  onAnswer?: (req: DecisionRequest, answer: Answer) => void;
  /** Told about a request that could not be decided. */
  onError?: (err: unknown) => void;
}

/**
 * The session's decision daemon: `transient-trace run` serves it in its own process for as long as the
 * governed command runs. It listens on a Unix socket (mode 0600, in a 0700 directory) for the Node and
 * Python guards and the Claude Code hook, and on 127.0.0.1 for bash shims; every request must carry
 * the session's 256-bit token, so another local user reaching the TCP port gets nothing. Each request
 * is decided and sealed synchronously by the Decider (about half a millisecond), so answers are never
 * reordered and receipts chain in the order decisions were made.
 */
export class DecisionServer {
  private readonly servers: Server[] = [];
  private readonly token: Buffer;
  private socketPath = "";

  constructor(
    private readonly decider: Decider,
    private readonly options: DecisionServerOptions,
  ) {
    this.token = Buffer.from(options.token);
  }

  async listen(socketPath: string): Promise<DecisionServerAddress> {
    rmSync(socketPath, { force: true });
    const unix = createServer((c) => this.serve(c));
    await new Promise<void>((res, rej) => {
      unix.once("error", rej);
      unix.listen(socketPath, () => res());
    });
    chmodSync(socketPath, 0o600);
    this.socketPath = socketPath;
    this.servers.push(unix);
    const tcp = createServer((c) => this.serve(c));
    const port = await new Promise<number>((res, rej) => {
      tcp.once("error", rej);
      tcp.listen(0, "127.0.0.1", () => res((tcp.address() as { port: number }).port));
    });
    this.servers.push(tcp);
    return { socket: socketPath, port };
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
    this.servers.length = 0;
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }

  private serve(c: Socket): void {
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    c.setTimeout(READ_TIMEOUT_MS, () => c.destroy());
    c.on("error", () => {});
    c.on("data", (chunk: Buffer) => {
      if (done) return;
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const parsed = parseRequest(buf);
      if (parsed.state === "incomplete") return;
      done = true;
      let answer: Answer;
      if (parsed.state === "error") {
        answer = { verdict: "error", message: parsed.message, receipts: [] };
      } else if (!this.tokenOk(parsed.token)) {
        answer = { verdict: "error", message: "bad token", receipts: [] };
      } else {
        try {
          answer = this.decider.decide(parsed.request);
          this.options.onAnswer?.(parsed.request, answer);
        } catch (err) {
          // No receipt could be sealed, so there is no decision: the caller's mode decides what to do.
          this.options.onError?.(err);
          answer = { verdict: "error", message: (err as Error).message ?? String(err), receipts: [] };
        }
      }
      c.end(encodeAnswer(answer));
    });
  }

  private tokenOk(token: string): boolean {
    const t = Buffer.from(token);
    return t.length === this.token.length && timingSafeEqual(t, this.token);
  }
}
