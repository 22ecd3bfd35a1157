import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import { type AppContext, createAppContext } from "./app-context.js";
import { bootstrapFirstKey } from "./bootstrap.js";
import type { ServerConfig } from "./config.js";
import { ensureDataDir } from "./data-dir.js";
import { AutoTightener } from "./learning/auto-tightener.js";
import { logOutput } from "./observability/log-output.js";
import { RetentionPurger } from "./retention/purger.js";
import { openStore } from "./store/open-store.js";
import type { Store } from "./store/types.js";

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  ctx: AppContext;
  purger: RetentionPurger;
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  url: string;
  /** The key created on this first start, if any. */
  firstKey: { key: string; file: string } | null;
  /**
   * Graceful shutdown: /readyz turns 503, new connections are refused, requests in flight finish,
   * then the store closes.
   */
  close(): Promise<void>;
}

/**
 * Opens the store, creates the first key if there is none, listens, and starts retention (and, with
 * TRUSERA_LEARNING_AUTO_TIGHTEN=1, the learning sweep).
 */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  ensureDataDir(config.dataDir);
  const store = await openStore(config);
  try {
    const firstKey = await bootstrapFirstKey(store, config.dataDir);
    const logger = config.logLevel === "silent" ? false : { level: config.logLevel, stream: logOutput };
    const ctx = createAppContext(config, store);
    const app = await buildApp(ctx, logger);
    await app.listen({ host: config.host, port: config.port });
    ctx.dispatcher.start(app.log);
    ctx.alertEngine.start(app.log);
    const purger = new RetentionPurger(
      store,
      { retentionDays: config.retentionDays, intervalSeconds: config.purgeIntervalSeconds },
      ctx.metrics,
      app.log,
    );
    purger.start();
    const tightener = config.learningAutoTighten
      ? new AutoTightener(
          store,
          ctx.learning,
          { intervalSeconds: config.learningIntervalSeconds ?? 3600 },
          app.log,
        )
      : null;
    tightener?.start();
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    let closing: Promise<void> | null = null;
    return {
      app,
      store,
      ctx,
      purger,
      url: `http://${host}:${port}`,
      firstKey,
      close() {
        closing ??= (async () => {
          ctx.lifecycle.closing = true;
          await purger.stop();
          await tightener?.stop();
          await ctx.alertEngine.stop();
          await app.close();
          await ctx.replay.close();
          await ctx.dispatcher.stop();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}
