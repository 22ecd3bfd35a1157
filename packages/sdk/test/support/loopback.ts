import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { tempDir } from "@trusera/testing";

/** One request a loopback server received. */
export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface Loopback {
  /** `http://127.0.0.1:<port>` (or https). */
  url: string;
  seen: Seen[];
  /** Paths seen so far. */
  paths(): string[];
  close(): Promise<void>;
}

/**
 * A real HTTP(S) server on a loopback port. Routes: `/redirect?to=<path>` answers 302; `/json` a JSON
 * body; `/bytes?n=<n>` n bytes; anything else `hello <path>` as text. Every request is recorded.
 */
export async function startLoopback(tls?: { key: string; cert: string }): Promise<Loopback> {
  const seen: Seen[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://x");
      seen.push({ method: req.method ?? "GET", path: url.pathname + url.search, headers: req.headers, body });
      if (url.pathname === "/redirect") {
        res.writeHead(302, { location: url.searchParams.get("to") ?? "/" });
        res.end("moved");
        return;
      }
      if (url.pathname === "/json") {
        const out = JSON.stringify({
          ok: true,
          token: "sk-proj-abcdefghijklmnopqrstuvwx",
          echo: body.length,
        });
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
        res.end(out);
        return;
      }
      if (url.pathname === "/bytes") {
        const n = Number(url.searchParams.get("n") ?? "0");
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(Buffer.alloc(n, 97));
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`hello ${url.pathname}`);
    });
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    seen,
    paths: () => seen.map((s) => s.path),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with openssl in a temp dir for this
 * run only. `certPath` can be given to NODE_EXTRA_CA_CERTS.
 */
export function testCertificate(): { key: string; cert: string; certPath: string; remove(): void } {
  const dir = tempDir("trusera-tls-");
  const keyPath = join(dir.path, "key.pem");
  const certPath = join(dir.path, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    { stdio: "ignore" },
  );
  return {
    key: readFileSync(keyPath, "utf8"),
    cert: readFileSync(certPath, "utf8"),
    certPath,
    remove: dir.remove,
  };
}
