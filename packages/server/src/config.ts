import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { TruseraError } from "@trusera/core";
import { type OtlpForwardConfig, otlpForwardFromEnv } from "./otel/forward-config.js";

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
  /** Dashboard settings (see `DashboardConfig`); defaults apply to what is left out. */
  dashboard?: Partial<DashboardConfig>;
  /** Alert delivery settings (see `AlertConfig`); defaults apply to what is left out. */
  alerts?: Partial<AlertConfig>;
  /** Forward stored events to an OTLP endpoint (otel/forward-config.ts); null or absent: off. */
  otlpForward?: OtlpForwardConfig | null;
  /** Approve learned suggestions that only tighten, on a timer (docs/learning.md); off by default. */
  learningAutoTighten?: boolean;
  /** Seconds between two auto-tighten sweeps (with `learningAutoTighten`); 3600 when absent. */
  learningIntervalSeconds?: number;
}

export interface DashboardConfig {
  /** A password that signs in to `passwordProject` as an admin, besides admin API keys; null: keys only. */
  password: string | null;
  /** The project a password sign-in opens. */
  passwordProject: string;
  /** How long a session lasts. */
  sessionHours: number;
  /** Mark the cookie `Secure` even without `X-Forwarded-Proto: https` (behind a TLS proxy that does not say so). */
  cookieSecure: boolean;
}

export interface AlertConfig {
  /** Attempts per delivery before it is marked failed. */
  maxAttempts: number;
  /** Delay before the second attempt; doubled before each next one (with jitter), at most an hour. */
  retryBaseMs: number;
  /** How often due deliveries, rates and silent agents are checked. */
  tickMs: number;
  /** Timeout of one webhook request. */
  requestTimeoutMs: number;
}

export const DASHBOARD_DEFAULTS: DashboardConfig = {
  password: null,
  passwordProject: "default",
  sessionHours: 12,
  cookieSecure: false,
};

export const ALERT_DEFAULTS: AlertConfig = {
  maxAttempts: 6,
  retryBaseMs: 2000,
  tickMs: 1000,
  requestTimeoutMs: 10_000,
};

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

/**
 * The dashboard password: from the file `--dashboard-password-file` names (a flag would show it in
 * `ps`), else TRUSERA_DASHBOARD_PASSWORD. At least 12 characters: it guards every admin power.
 */
function dashboardPassword(
  flags: Partial<Record<string, string | boolean | undefined>>,
  env: NodeJS.ProcessEnv,
): string | null {
  const file = flags["dashboard-password-file"];
  let value: string | undefined = env.TRUSERA_DASHBOARD_PASSWORD;
  if (typeof file === "string") {
    try {
      value = readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (err) {
      throw new ConfigError(`--dashboard-password-file: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  if (value === undefined || value === "") return null;
  if (value.length < 12) throw new ConfigError("the dashboard password must have at least 12 characters");
  return value;
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
    dashboard: {
      password: dashboardPassword(flags, env),
      passwordProject: env.TRUSERA_DASHBOARD_PROJECT || DASHBOARD_DEFAULTS.passwordProject,
      sessionHours: int("TRUSERA_SESSION_HOURS", env.TRUSERA_SESSION_HOURS, 12, 1, 24 * 30),
      cookieSecure: env.TRUSERA_COOKIE_SECURE === "1",
    },
    alerts: {
      maxAttempts: int("TRUSERA_ALERT_MAX_ATTEMPTS", env.TRUSERA_ALERT_MAX_ATTEMPTS, 6, 1, 100),
      retryBaseMs: int("TRUSERA_ALERT_RETRY_BASE_MS", env.TRUSERA_ALERT_RETRY_BASE_MS, 2000, 1, 3_600_000),
      tickMs: int("TRUSERA_ALERT_TICK_MS", env.TRUSERA_ALERT_TICK_MS, 1000, 10, 600_000),
      requestTimeoutMs: int("TRUSERA_ALERT_TIMEOUT_MS", env.TRUSERA_ALERT_TIMEOUT_MS, 10_000, 100, 600_000),
    },
    otlpForward: otlpForwardFromEnv(env),
    learningAutoTighten: env.TRUSERA_LEARNING_AUTO_TIGHTEN === "1",
    learningIntervalSeconds: int(
      "TRUSERA_LEARNING_INTERVAL_SECONDS",
      env.TRUSERA_LEARNING_INTERVAL_SECONDS,
      3600,
      1,
      7 * 86_400,
    ),
  };
}
