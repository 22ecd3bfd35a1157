import { type EventInput, type Logger, TruseraClient, type TruseraClientOptions } from "../../src/index.js";

/** A tracked event as the interceptor handed it to the client. */
export interface Tracked {
  type: string;
  name: string;
  payload: Record<string, any>;
  metadata: Record<string, any>;
}

/**
 * A real TruseraClient (pointed at a port nothing listens on unless told otherwise) that also keeps
 * every event it is given, and the warnings it would print.
 */
export class RecordingClient extends TruseraClient {
  readonly events: Tracked[] = [];
  readonly warnings: string[];

  constructor(options: TruseraClientOptions = {}) {
    const warnings: string[] = [];
    const logger: Logger = {
      debug() {},
      warn(message) {
        warnings.push(message);
      },
    };
    super({
      apiKey: `tsk_${"t".repeat(32)}`,
      baseUrl: "http://127.0.0.1:9",
      flushInterval: 3_600_000,
      maxRetries: 0,
      closeTimeout: 200,
      logger,
      ...options,
    });
    this.warnings = warnings;
  }

  override track(event: EventInput): void {
    this.events.push(JSON.parse(JSON.stringify(event)) as Tracked);
    super.track(event);
  }

  /** Events of one type, optionally only those whose name contains `part`. */
  of(type: string, part?: string): Tracked[] {
    return this.events.filter((e) => e.type === type && (part === undefined || e.name.includes(part)));
  }
}
