import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";

/** What the proxy does with one request. Rules are consumed in order; when none is left, it forwards. */
export type Fault =
  /** Answer this status without forwarding. */
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** Forward, let the upstream act on it, but answer the client this status instead (a lost response). */
  | { kind: "forward-then-status"; status: number }
  /** Wait, then forward. */
  | { kind: "delay"; ms: number }
  /** Destroy the client's socket without an answer (a network error). */
  | { kind: "reset" };

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** Milliseconds since the proxy started. */
  at: number;
  /** What the proxy answered. */
  status: number | "reset";
}

/**
 * A real HTTP proxy on a loopback port in front of a real server, which injects faults on demand:
 * 5xx, 429 with Retry-After, slow answers, resets, lost responses.
 */
export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  readonly #faults: Fault[] = [];
  readonly #server: Server;
  readonly #started = Date.now();
  #upstream: URL;
  #inFlight = 0;
  /** The most requests the proxy was handling at one time. */
  maxInFlight = 0;
  port = 0;

  constructor(upstream: string) {
    this.#upstream = new URL(upstream);
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  set upstream(url: string) {
    this.#upstream = new URL(url);
  }

  /** Queues faults for the next requests, in order. */
  inject(...faults: Fault[]): this {
    this.#faults.push(...faults);
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

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    res.once("close", () => this.#inFlight--);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const record: ProxiedRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
      body: body.toString("utf8"),
      at: Date.now() - this.#started,
      status: 0,
    };
    this.requests.push(record);
    const fault = this.#faults.shift();
    if (fault?.kind === "reset") {
      record.status = "reset";
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "status") {
      record.status = fault.status;
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      res.end(
        fault.body ?? JSON.stringify({ error: { code: "injected", message: `injected ${fault.status}` } }),
      );
      return;
    }
    if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
    try {
      const upstream = await this.#forward(req, body);
      if (fault?.kind === "forward-then-status") {
        record.status = fault.status;
        res.writeHead(fault.status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "injected", message: "response lost" } }));
        return;
      }
      record.status = upstream.status;
      if (!res.destroyed) {
        res.writeHead(upstream.status, upstream.headers);
        res.end(upstream.body);
      }
    } catch {
      record.status = 502;
      if (!res.destroyed) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "bad_gateway", message: "upstream unreachable" } }));
      }
    }
  }

  #forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: this.#upstream.host };
      const out = httpRequest(
        new URL(req.url ?? "/", this.#upstream),
        { method: req.method, headers },
        (upRes) => {
          const parts: Buffer[] = [];
          upRes.on("data", (c: Buffer) => parts.push(c));
          upRes.on("end", () => {
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(upRes.headers)) {
              if (v !== undefined && k !== "connection" && k !== "keep-alive" && k !== "transfer-encoding")
                h[k] = Array.isArray(v) ? v.join(", ") : v;
            }
            resolve({ status: upRes.statusCode ?? 502, headers: h, body: Buffer.concat(parts) });
          });
          upRes.on("error", reject);
        },
      );
      out.on("error", reject);
      out.end(body);
    });
  }
}
