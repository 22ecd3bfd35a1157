import { resolve } from "node:path";
import { TruseraError } from "@trusera/core";

export interface ServerConfig {
  host: string;
  port: number;
  /** Where the SQLite file and the first-start API key live. */
  dataDir: string;
  /** Largest request body in bytes; larger ones get 413. */
  bodyLimit: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Log every request (two lines each); off by default because ingest is hot. */
  logRequests: boolean;
  /** `postgres://...` to store in Postgres; null for the SQLite file in `dataDir`. */
  databaseUrl: string | null;
  /** Connections each process keeps to Postgres. */
  poolSize: number;
  /** Events older than this many days are deleted; 0 keeps them forever. */
  retentionDays: number;
  /** Seconds between two retention purges. */
  purgeIntervalSeconds: number;
  /** Milliseconds a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
}

export const DEFAULT_PORT = 7780;

export class ConfigError extends TruseraError {
  constructor(message: string) {
    super(message, "TRUSERA_SERVER_CONFIG");
    this.name = "ConfigError";
  }
}

const LOG_LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

function int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** Flags win over environment variables, which win over defaults. */
export function resolveConfig(
  flags: Partial<Record<string, string | boolean | undefined>>,
  env = process.env,
): ServerConfig {
  const str = (flag: string, envName: string): string | undefined => {
    const v = flags[flag];
    return typeof v === "string" ? v : env[envName];
  };
  const logLevel = str("log-level", "TRUSERA_LOG_LEVEL") ?? "info";
  const databaseUrl = str("database-url", "DATABASE_URL") || env.TRUSERA_DATABASE_URL || null;
  if (databaseUrl !== null && !/^postgres(?:ql)?:\/\//.test(databaseUrl))
    throw new ConfigError(
      "--database-url / DATABASE_URL must start with postgres:// (or leave it unset for SQLite)",
    );
  if (!LOG_LEVELS.has(logLevel))
    throw new ConfigError(`--log-level must be one of ${[...LOG_LEVELS].join(", ")}, got "${logLevel}"`);
  return {
    host: str("host", "TRUSERA_HOST") ?? "127.0.0.1",
    port: int("--port / TRUSERA_PORT", str("port", "TRUSERA_PORT"), DEFAULT_PORT, 0, 65535),
    dataDir: resolve(str("data-dir", "TRUSERA_DATA_DIR") ?? ".trusera-data"),
    bodyLimit: int(
      "--body-limit / TRUSERA_BODY_LIMIT",
      str("body-limit", "TRUSERA_BODY_LIMIT"),
      5 * 1024 * 1024,
      1024,
      1024 ** 3,
    ),
    logLevel: logLevel as ServerConfig["logLevel"],
    logRequests: flags["log-requests"] === true || env.TRUSERA_LOG_REQUESTS === "1",
    databaseUrl,
    poolSize: int("--pool-size / TRUSERA_POOL_SIZE", str("pool-size", "TRUSERA_POOL_SIZE"), 10, 1, 1000),
    retentionDays: int(
      "--retention-days / TRUSERA_RETENTION_DAYS",
      str("retention-days", "TRUSERA_RETENTION_DAYS"),
      90,
      0,
      100_000,
    ),
    purgeIntervalSeconds: int(
      "--purge-interval / TRUSERA_PURGE_INTERVAL",
      str("purge-interval", "TRUSERA_PURGE_INTERVAL"),
      3600,
      1,
      7 * 86_400,
    ),
    shutdownTimeoutMs: int(
      "--shutdown-timeout / TRUSERA_SHUTDOWN_TIMEOUT_MS",
      str("shutdown-timeout", "TRUSERA_SHUTDOWN_TIMEOUT_MS"),
      10_000,
      0,
      600_000,
    ),
  };
}
