import { resolveConfig } from "../../config.js";
import { guardStandardStreams } from "../../observability/log-output.js";
import { type RunningServer, startServer } from "../../server.js";
import { CliError } from "../cli-error.js";
import { explainStartupError, redactDatabaseUrl } from "../startup-errors.js";

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
Learning: TRUSERA_LEARNING_AUTO_TIGHTEN=1 (off) approves the suggested rules that only tighten, in
every project with events, every TRUSERA_LEARNING_INTERVAL_SECONDS (3600), as system:auto-tighten
(docs/learning.md). POST /api/v1/policies/suggestions/auto-approve does it at once, option on or off.

OpenTelemetry: OTLP/HTTP traces are taken at POST /v1/traces. TRUSERA_OTLP_FORWARD_URL (off) sends the
events stored to an OTLP endpoint, with TRUSERA_OTLP_FORWARD_HEADERS (key=value,...) and
TRUSERA_OTLP_FORWARD_SERVICE (trusera-server). See docs/otel.md.

Logs are JSON lines (pino) on stdout. Health: GET /healthz (alive), GET /readyz (store reachable,
not shutting down), GET /metrics (Prometheus). API description: GET /api/openapi.json.
`;

export async function startCommand(flags: Record<string, string | boolean | undefined>): Promise<void> {
  guardStandardStreams();
  const config = resolveConfig(flags);
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (err) {
    const explained = explainStartupError(err, config);
    if (explained) throw new CliError(explained.message, 1);
    throw err;
  }
  const storeText = config.databaseUrl
    ? `postgres ${redactDatabaseUrl(config.databaseUrl)}`
    : `data in ${config.dataDir}`;
  // One signal starts a graceful shutdown; the same signal again exits at once (a second Ctrl-C). Another
  // signal meanwhile is the same request from elsewhere (npm start forwards SIGTERM after the terminal's
  // SIGINT reached us too) and must not cut the shutdown short.
  let stopping: string | null = null;
  const say = (line: string) => {
    try {
      process.stderr.write(`${line}\n`);
    } catch {}
  };
  const exit = (code: number, why: () => void) => {
    try {
      why();
    } finally {
      process.exit(code);
    }
  };
  const stop = (signal: string) => {
    if (stopping === signal) return exit(130, () => say(`${signal} again: exiting now`));
    if (stopping) return;
    stopping = signal;
    server.app.log.info({ signal }, "shutting down: finishing requests in flight");
    setTimeout(
      () =>
        exit(1, () => {
          say(`trusera-server: shutdown took over ${config.shutdownTimeoutMs} ms: exiting now`);
          server.app.log.warn({ timeoutMs: config.shutdownTimeoutMs }, "shutdown took too long: exiting now");
        }),
      config.shutdownTimeoutMs,
    ).unref();
    server.close().then(
      () => process.exit(0),
      (err) => exit(1, () => server.app.log.error({ err }, "shutdown failed")),
    );
  };
  // Before the listening line: whoever waits for it may signal at once.
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  if (server.firstKey) {
    process.stderr.write(
      `\nFirst start: created project "default" with an admin API key:\n\n  ${server.firstKey.key}\n\n` +
        `It is also in ${server.firstKey.file} (readable only by you). It is not shown again.\n\n`,
    );
  }
  server.app.log.info({ url: server.url, store: storeText }, "trusera-server listening");
  // Always said, whatever the log level: people and scripts (tests, npm start) wait for this line.
  process.stderr.write(`trusera-server listening on ${server.url} (${storeText})\n`);
}
