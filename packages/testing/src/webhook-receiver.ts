import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

/**
 * A real HTTP server on a loopback port that records what it receives (alert webhooks). Answers 200,
 * or the statuses queued with `failNext` first, in order.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly #statuses: number[] = [];
  readonly #server: Server;
  port = 0;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const status = this.#statuses.shift() ?? 200;
        this.requests.push({
          method: req.method ?? "",
          url: req.url ?? "/",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          status,
        });
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(status === 200 ? "ok" : "failing on purpose");
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next requests get these statuses (then 200 again). */
  failNext(...statuses: number[]): this {
    this.#statuses.push(...statuses);
    return this;
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(port, "127.0.0.1", resolve));
    const address = this.#server.address();
    this.port = typeof address === "object" && address ? address.port : 0;
    return this;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
