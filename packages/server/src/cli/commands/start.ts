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
  -h, --help           Show this help
`;

export async function startCommand(flags: Record<string, string | boolean | undefined>): Promise<void> {
  const config = resolveConfig(flags);
  const server = await startServer(config);
  if (server.firstKey) {
    process.stderr.write(
      `\nFirst start: created project "default" with an admin API key:\n\n  ${server.firstKey.key}\n\n` +
        `It is also in ${server.firstKey.file} (readable only by you). It is not shown again.\n\n`,
    );
  }
  server.app.log.info({ url: server.url, dataDir: config.dataDir }, "trusera-server listening");
  // Always said, whatever the log level: people and scripts (tests, npm start) wait for this line.
  process.stderr.write(`trusera-server listening on ${server.url} (data in ${config.dataDir})\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    server.app.log.info({ signal }, "shutting down: finishing requests in flight");
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
