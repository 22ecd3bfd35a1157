import { resolveConfig } from "../../config.js";
import { startServer } from "../../server.js";

export const START_HELP = `Usage: trusera-server start [options]

Start the server. On a first start with no API key, creates the project "default" with an admin key,
prints it, and writes it to <data-dir>/api-key (readable only by you).

Options:
  --host HOST          Address to listen on (env TRUSERA_HOST)            [default: 127.0.0.1]
  --port N             Port; 0 picks a free one (env TRUSERA_PORT)         [default: 7780]
  --data-dir DIR       Where the SQLite file and api-key live
                       (env TRUSERA_DATA_DIR)                              [default: ./.trusera-data]
  --body-limit BYTES   Largest request body; larger gets 413
                       (env TRUSERA_BODY_LIMIT)                            [default: 5242880]
  --log-level LEVEL    fatal|error|warn|info|debug|trace|silent
                       (env TRUSERA_LOG_LEVEL)                             [default: info]
  --log-requests       Log every request (env TRUSERA_LOG_REQUESTS=1)
  --database-url URL   Store in Postgres instead of SQLite: postgres://user:pass@host:5432/db
                       (env DATABASE_URL or TRUSERA_DATABASE_URL). Several processes may share one.
  --pool-size N        Postgres connections per process (env TRUSERA_POOL_SIZE)  [default: 10]
  --retention-days N   Delete events older than N days; 0 keeps them forever
                       (env TRUSERA_RETENTION_DAYS)                        [default: 90]
  --purge-interval S   Seconds between retention purges
                       (env TRUSERA_PURGE_INTERVAL)                        [default: 3600]
  --shutdown-timeout MS  On SIGTERM/SIGINT, finish requests in flight for at most MS,
                       then exit (env TRUSERA_SHUTDOWN_TIMEOUT_MS)         [default: 10000]
  --dashboard-password-file FILE  A password (12+ characters) that signs in to the dashboard
                       as an admin of TRUSERA_DASHBOARD_PROJECT (default: default), besides admin
                       API keys (env TRUSERA_DASHBOARD_PASSWORD)
  -h, --help           Show this help

Dashboard: open the server's URL in a browser and sign in with an admin API key (or the password).
Sessions last TRUSERA_SESSION_HOURS (12); TRUSERA_COOKIE_SECURE=1 marks the cookie Secure behind a
TLS proxy that sends no X-Forwarded-Proto. Alerts: TRUSERA_ALERT_MAX_ATTEMPTS (6),
TRUSERA_ALERT_RETRY_BASE_MS (2000), TRUSERA_ALERT_TICK_MS (1000), TRUSERA_ALERT_TIMEOUT_MS (10000).

Logs are JSON lines (pino) on stdout. Health: GET /healthz (alive), GET /readyz (store reachable,
not shutting down), GET /metrics (Prometheus). API description: GET /api/openapi.json.
`;

/** The URL without its password, for logs. */
function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export async function startCommand(flags: Record<string, string | boolean | undefined>): Promise<void> {
  const config = resolveConfig(flags);
  const server = await startServer(config);
  const storeText = config.databaseUrl
    ? `postgres ${redactDatabaseUrl(config.databaseUrl)}`
    : `data in ${config.dataDir}`;
  if (server.firstKey) {
    process.stderr.write(
      `\nFirst start: created project "default" with an admin API key:\n\n  ${server.firstKey.key}\n\n` +
        `It is also in ${server.firstKey.file} (readable only by you). It is not shown again.\n\n`,
    );
  }
  server.app.log.info({ url: server.url, store: storeText }, "trusera-server listening");
  // Always said, whatever the log level: people and scripts (tests, npm start) wait for this line.
  process.stderr.write(`trusera-server listening on ${server.url} (${storeText})\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    server.app.log.info({ signal }, "shutting down: finishing requests in flight");
    const deadline = setTimeout(() => {
      server.app.log.warn({ timeoutMs: config.shutdownTimeoutMs }, "shutdown took too long: exiting now");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}
