import { join, resolve } from "node:path";
import { ConfigurationError } from "@trusera/core";
import { consoleLogger, type Logger, safeLogger } from "../log.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../transport/retry.js";
import { defaultSpoolDir, spoolPartition } from "./spool.js";

/** The local server started by `trusera-server start` (or `npm start`). Never a third party's host. */
export const DEFAULT_BASE_URL = "http://127.0.0.1:7780";

/** Options of `new TruseraClient(...)`. Every field is optional but the API key, which may come from the environment. */
export interface TruseraClientOptions {
  /** API key (`tsk_...`). Falls back to `TRUSERA_API_KEY`. Required. */
  apiKey?: string;
  /** Server URL. Falls back to `TRUSERA_API_URL`, then `http://127.0.0.1:7780`. */
  baseUrl?: string;
  /** Agent id or name stamped on every event (set by `registerAgent` too). */
  agentId?: string;
  /** Milliseconds between automatic flushes. Default 5000. */
  flushInterval?: number;
  /** Events per request; reaching it triggers a flush. Default 100, at most 1000. */
  batchSize?: number;
  /** Log every dropped event and every retry at debug level. Default false. */
  debug?: boolean;
  /** Events the buffer holds before the oldest are dropped. Default 10,000. */
  maxQueueSize?: number;
  /** Bytes (serialized JSON) the buffer holds before the oldest are dropped. Default 8 MiB. */
  maxQueueBytes?: number;
  /** Bytes of one request body. Default 1 MiB. */
  maxBatchBytes?: number;
  /** Retries per batch after the first attempt. Default 5. */
  maxRetries?: number;
  /** Milliseconds to wait for one response. Default 10,000. */
  requestTimeout?: number;
  /** Milliseconds `close()` may spend delivering what is queued. Default 10,000. */
  closeTimeout?: number;
  /** Where warnings and debug lines go. Default: the console, prefixed `[Trusera]`. */
  logger?: Logger;
  /**
   * The disk spool for events that could not be delivered (retries exhausted, or still queued when
   * the process ends), delivered by the next client with the same server and key. On by default in
   * `$TRUSERA_SPOOL_DIR`, else `~/.trusera/spool`; `false` turns it off. See docs/spool.md.
   */
  spool?: false | SpoolOptions;
}

/** Where and how much the disk spool keeps (per server and API key). */
export interface SpoolOptions {
  /** Directory of spools (one sub-directory per server and key). Default `$TRUSERA_SPOOL_DIR`, else `~/.trusera/spool`. */
  dir?: string;
  /** Bytes the spool may hold; batches beyond it are lost and counted. Default 64 MiB. */
  maxBytes?: number;
  /** Files (batches) the spool may hold. Default 10,000. */
  maxFiles?: number;
}

export interface ResolvedClientOptions {
  apiKey: string;
  baseUrl: URL;
  agentId: string | undefined;
  flushInterval: number;
  batchSize: number;
  debug: boolean;
  maxQueueSize: number;
  maxQueueBytes: number;
  maxBatchBytes: number;
  requestTimeout: number;
  closeTimeout: number;
  retry: RetryPolicy;
  logger: Logger;
  /** The spool directory of this server and key, and its bounds; undefined when off. */
  spool: { dir: string; maxBytes: number; maxFiles: number } | undefined;
}

function positiveInt(
  name: string,
  value: number | undefined,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigurationError(
      `TruseraClient option ${name} must be a whole number from 1 to ${max}, got ${value}`,
    );
  }
  return value;
}

/**
 * Checks the options once, at construction, and fills in defaults.
 * @throws ConfigurationError when the API key is missing or an option is out of range.
 */
export function resolveClientOptions(
  options: TruseraClientOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedClientOptions {
  const apiKey = options.apiKey ?? env.TRUSERA_API_KEY;
  if (!apiKey) {
    throw new ConfigurationError(
      "TruseraClient needs an API key: pass { apiKey: 'tsk_...' } or set TRUSERA_API_KEY " +
        "(a local server prints one on first start and writes it to <data-dir>/api-key)",
    );
  }
  if (!apiKey.startsWith("tsk_")) {
    throw new ConfigurationError(
      "TruseraClient API key must start with tsk_ (create one with `trusera-server keys create`)",
    );
  }
  const rawUrl = options.baseUrl ?? env.TRUSERA_API_URL ?? DEFAULT_BASE_URL;
  let baseUrl: URL;
  try {
    baseUrl = new URL(rawUrl);
  } catch {
    throw new ConfigurationError(`TruseraClient baseUrl is not a URL: ${JSON.stringify(rawUrl)}`);
  }
  if (baseUrl.protocol !== "http:" && baseUrl.protocol !== "https:") {
    throw new ConfigurationError(`TruseraClient baseUrl must be http or https, got ${baseUrl.protocol}`);
  }
  if (!baseUrl.pathname.endsWith("/")) baseUrl.pathname += "/";
  const debug = options.debug ?? false;
  const maxRetries = options.maxRetries ?? DEFAULT_RETRY.maxRetries;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 20) {
    throw new ConfigurationError(
      `TruseraClient option maxRetries must be a whole number from 0 to 20, got ${maxRetries}`,
    );
  }
  return {
    apiKey,
    baseUrl,
    agentId: options.agentId,
    flushInterval: positiveInt("flushInterval", options.flushInterval, 5000),
    batchSize: positiveInt("batchSize", options.batchSize, 100, 1000),
    debug,
    maxQueueSize: positiveInt("maxQueueSize", options.maxQueueSize, 10_000),
    maxQueueBytes: positiveInt("maxQueueBytes", options.maxQueueBytes, 8 * 1024 * 1024),
    maxBatchBytes: positiveInt("maxBatchBytes", options.maxBatchBytes, 1024 * 1024),
    requestTimeout: positiveInt("requestTimeout", options.requestTimeout, 10_000),
    closeTimeout: positiveInt("closeTimeout", options.closeTimeout, 10_000),
    retry: { ...DEFAULT_RETRY, maxRetries },
    logger: safeLogger(options.logger ?? consoleLogger(debug)),
    spool: resolveSpool(options.spool, baseUrl.href, apiKey, env),
  };
}

function resolveSpool(
  spool: TruseraClientOptions["spool"],
  baseUrl: string,
  apiKey: string,
  env: NodeJS.ProcessEnv,
): ResolvedClientOptions["spool"] {
  if (spool === false) return undefined;
  if (spool !== undefined && (typeof spool !== "object" || spool === null))
    throw new ConfigurationError(
      "TruseraClient option spool must be false or { dir?, maxBytes?, maxFiles? }",
    );
  const o = spool ?? {};
  if (o.dir !== undefined && (typeof o.dir !== "string" || o.dir === ""))
    throw new ConfigurationError("TruseraClient option spool.dir must be a non-empty path");
  return {
    dir: join(o.dir !== undefined ? resolve(o.dir) : defaultSpoolDir(env), spoolPartition(baseUrl, apiKey)),
    maxBytes: positiveInt("spool.maxBytes", o.maxBytes, 64 * 1024 * 1024),
    maxFiles: positiveInt("spool.maxFiles", o.maxFiles, 10_000),
  };
}
