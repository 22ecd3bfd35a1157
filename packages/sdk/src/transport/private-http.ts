import * as http from "node:http";
import * as https from "node:https";
import { TIMEOUT_CODE } from "./failure.js";

// Captured when this module loads, before any interceptor of this SDK can patch the modules, so the
// client's own traffic never passes through one. The published seed SDK sent its flushes through the
// patched global fetch, re-intercepted them and grew every batch until JSON.stringify failed.
const requestHttp = http.request;
const requestHttps = https.request;

const REGISTRY = Symbol.for("trusera.private-agents");

/**
 * Sockets pools owned by Trusera clients. The interceptor skips every request made through one of
 * these. Shared through a registered symbol, so that the ESM and CommonJS copies of the SDK loaded in
 * one process (or two installed versions) recognize each other's clients.
 */
export const PRIVATE_AGENTS: WeakSet<http.Agent> = sharedAgentSet();

function sharedAgentSet(): WeakSet<http.Agent> {
  const g = globalThis as Record<symbol, WeakSet<http.Agent> | undefined>;
  const existing = g[REGISTRY];
  if (existing) return existing;
  const created = new WeakSet<http.Agent>();
  g[REGISTRY] = created;
  return created;
}

export interface PrivateResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface PrivateRequest {
  method: "GET" | "POST";
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/** A keep-alive HTTP(S) connection pool that only a Trusera client uses. */
export class PrivateTransport {
  readonly #httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  readonly #httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });

  constructor() {
    PRIVATE_AGENTS.add(this.#httpAgent);
    PRIVATE_AGENTS.add(this.#httpsAgent);
  }

  /** Resolves with the response, or rejects with a network error (never for an HTTP status). */
  send(req: PrivateRequest): Promise<PrivateResponse> {
    return new Promise((resolve, reject) => {
      const secure = req.url.protocol === "https:";
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
      const request = (secure ? requestHttps : requestHttp)(
        req.url,
        { method: req.method, headers, agent: secure ? this.#httpsAgent : this.#httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
          res.on("error", reject);
        },
      );
      request.setTimeout(req.timeoutMs, () =>
        request.destroy(
          Object.assign(new Error(`no response within ${req.timeoutMs} ms`), { code: TIMEOUT_CODE }),
        ),
      );
      request.on("error", reject);
      request.end(req.body);
    });
  }

  /** Closes idle sockets so that a closed client does not keep the process alive. */
  destroy(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}
