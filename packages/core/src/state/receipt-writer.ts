import type { ReceiptBody, SealedReceipt } from "../receipts/types.js";
import { KeyStore } from "./key-store.js";
import { type StatePaths, statePaths } from "./paths.js";
import { ReceiptLog, type ReceiptLogOptions } from "./receipt-log.js";

/**
 * Where sealed receipts go after the local log: the seam for shipping them elsewhere (the Trusera
 * server's ingest, a SIEM). `accept` runs synchronously after each append and must not block;
 * a sink that uploads queues and sends in the background. A sink's failure never fails the action.
 */
export interface ReceiptSink {
  readonly name: string;
  accept(receipt: SealedReceipt): void;
  /** Sends what is queued; called by `close`. */
  flush?(): Promise<void>;
}

export interface ReceiptWriterOptions extends ReceiptLogOptions {
  sinks?: readonly ReceiptSink[];
  /** Told about a sink that threw; by default the error is dropped. */
  onSinkError?: (sink: ReceiptSink, error: unknown) => void;
}

/**
 * Seals receipts into a state directory: the key made on first use, the chained log, then the sinks.
 * One per process is enough; `record` is synchronous.
 */
export class ReceiptWriter {
  readonly paths: StatePaths;
  readonly keys: KeyStore;
  private log: ReceiptLog | undefined;

  constructor(
    stateDir: string,
    private readonly options: ReceiptWriterOptions = {},
  ) {
    this.paths = statePaths(stateDir);
    this.keys = new KeyStore(this.paths);
  }

  record<B extends ReceiptBody>(body: B): B & SealedReceipt {
    this.log ??= ReceiptLog.open(this.paths, this.keys.signingKey(), this.options);
    const sealed = this.log.append(body);
    for (const sink of this.options.sinks ?? []) {
      try {
        sink.accept(sealed);
      } catch (err) {
        this.options.onSinkError?.(sink, err);
      }
    }
    return sealed;
  }

  async close(): Promise<void> {
    this.log?.close();
    this.log = undefined;
    for (const sink of this.options.sinks ?? []) {
      try {
        await sink.flush?.();
      } catch (err) {
        this.options.onSinkError?.(sink, err);
      }
    }
  }
}
