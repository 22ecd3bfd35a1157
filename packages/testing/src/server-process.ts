import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SERVER_CLI, serverNode } from "./paths.js";
import { tempDir } from "./temp-dir.js";

export interface ServerProcess {
  url: string;
  /** The admin key created on first start (from `<dataDir>/api-key`), or "" if the data dir had keys already. */
  apiKey: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, wait for exit. */
  stop(): Promise<void>;
  /** SIGTERM, wait, and remove the data dir (unless it was given). */
  dispose(): Promise<void>;
  /** Calls the server's API with the admin key; resolves to the parsed JSON body and status. */
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<{ status: number; body: T }>;
}

export interface ServerProcessOptions {
  dataDir?: string;
  port?: number;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** Milliseconds to wait for the server to listen. */
  timeoutMs?: number;
}

/**
 * Starts the built `trusera-server` as a child process on a loopback port and waits until it listens.
 * Run `npm run build` first.
 */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  if (!existsSync(SERVER_CLI)) throw new Error(`${SERVER_CLI} is missing: run npm run build first`);
  const owned = options.dataDir ? null : tempDir("trusera-server-");
  const dataDir = options.dataDir ?? owned!.path;
  const args = [
    SERVER_CLI,
    "start",
    "--host",
    "127.0.0.1",
    "--port",
    String(options.port ?? 0),
    "--data-dir",
    dataDir,
    ...(options.args ?? []),
  ];
  const child = spawn(serverNode(), args, {
    env: { ...process.env, TRUSERA_LOG_LEVEL: "info", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      // Only while starting: once listening, a later exit (stop()) must not remove the data dir.
      if (settled) return;
      settled = true;
      if (child.exitCode === null) child.kill("SIGKILL");
      owned?.remove();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`server did not start within ${options.timeoutMs ?? 15_000} ms:\n${output}`)),
      options.timeoutMs ?? 15_000,
    );
    const onData = () => {
      const m = /trusera-server listening on (http:\/\/\S+)/.exec(output);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  // Absent when the data dir already had keys before this first start.
  const keyFile = join(dataDir, "api-key");
  const apiKey = existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : "";
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  return {
    url,
    apiKey,
    dataDir,
    child,
    output: () => output,
    stop,
    async dispose() {
      await stop();
      owned?.remove();
    },
    async api(method, path, body, key = apiKey) {
      const res = await fetch(new URL(path, url), {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}
