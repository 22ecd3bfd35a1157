import { tempDir } from "@trusera/testing";
import { type ServerConfig, startServer } from "../src/index.js";

export interface TestServer {
  url: string;
  /** The first-start admin key of project "default". */
  adminKey: string;
  dataDir: string;
  server: Awaited<ReturnType<typeof startServer>>;
  /** One request; the body is parsed as JSON when there is one. */
  api<T = any>(
    method: string,
    path: string,
    options?: { body?: unknown; key?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
}

/** A real server, in this process, on a free loopback port, over a fresh SQLite file (or `databaseUrl`). */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dir = tempDir("trusera-server-test-");
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: dir.path,
    bodyLimit: 1024 * 1024,
    logLevel: "silent",
    logRequests: false,
    databaseUrl: null,
    poolSize: 5,
    retentionDays: 0,
    purgeIntervalSeconds: 3600,
    shutdownTimeoutMs: 5000,
    ...overrides,
  });
  const adminKey = server.firstKey?.key ?? "";
  return {
    url: server.url,
    adminKey,
    dataDir: dir.path,
    server,
    async api(method, path, options = {}) {
      const key = options.key === undefined ? adminKey : options.key;
      const headers: Record<string, string> = { ...options.headers };
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
        headers["content-type"] ??= "application/json";
      }
      const res = await fetch(new URL(path, server.url), {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {}
      return { status: res.status, body: parsed as never, headers: res.headers };
    },
    async close() {
      await server.close();
      dir.remove();
    },
  };
}

/** A key of a new project, made through the store (as `trusera-server keys create` does). */
export async function newProjectKey(
  t: TestServer,
  project: string,
  role: "admin" | "ingest" = "admin",
): Promise<string> {
  const { createKey } = await import("../src/bootstrap.js");
  return (await createKey(t.server.store, project, role)).key;
}

/** An event as an SDK sends it. */
export function sdkEvent(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: crypto.randomUUID(),
    type: "tool_call",
    name: "search",
    payload: { q: "x" },
    metadata: {},
    timestamp: new Date().toISOString(),
    ...over,
  };
}

export function apiCallEvent(url: string, decision: "allow" | "deny", over: Record<string, unknown> = {}) {
  const method = "GET";
  return sdkEvent({
    type: "api_call",
    name: `${method} ${url}`,
    payload: {
      url,
      method,
      status_code: decision === "deny" ? 0 : 200,
      duration_ms: 3,
      request_size_bytes: 0,
      response_size_bytes: 10,
      request_headers: { accept: "application/json" },
    },
    metadata: {
      decision,
      enforcement: "block",
      policy_ids: [],
      blocked: decision === "deny",
      library: "fetch",
    },
    ...over,
  });
}
