import { mkdirSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import { Authenticator } from "./auth/authenticate.js";
import { bootstrapFirstKey } from "./bootstrap.js";
import type { ServerConfig } from "./config.js";
import { IngestService } from "./ingest/ingest-service.js";
import { openStore } from "./store/open-store.js";
import type { Store } from "./store/types.js";

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  url: string;
  /** The key created on this first start, if any. */
  firstKey: { key: string; file: string } | null;
  /** Stops accepting connections, finishes requests in flight, closes the store. */
  close(): Promise<void>;
}

/** Opens the store, creates the first key if there is none, and listens. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(config);
  const firstKey = await bootstrapFirstKey(store, config.dataDir);
  const logger = config.logLevel === "silent" ? false : { level: config.logLevel };
  const app = await buildApp(
    { config, store, ingest: new IngestService(store), auth: new Authenticator(store) },
    logger,
  );
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  let closing: Promise<void> | null = null;
  return {
    app,
    store,
    url,
    firstKey,
    close() {
      closing ??= (async () => {
        await app.close();
        await store.close();
      })();
      return closing;
    },
  };
}
