import { type ReceiptSink, statePaths } from "@trusera/core";
import { type UploadReport, type UploadTarget, uploadReceipts } from "./uploader.js";

export interface UploadSinkOptions {
  /** The state directory the client writes to (the same as `Client_init({ stateDir })`). */
  stateDir: string;
  /** The server and key. Default: TRUSERA_API_URL and TRUSERA_API_KEY. */
  target?: UploadTarget;
  /** Milliseconds to wait after a receipt before uploading, so that a burst goes in one upload. Default 1000. */
  delayMs?: number;
  /** Told about each upload that failed (the receipts stay in the log and go with the next one). */
  onError?: (error: unknown) => void;
  /** Told about each upload that went through. */
  onUpload?: (report: UploadReport) => void;
}

/**
 * A ReceiptSink that uploads the state directory's new receipts to a Trusera server in the background,
 * a moment after each receipt and on `close()`. It uploads from the log, not from what it was handed,
 * so receipts appended by other processes sharing the log go too, in chain order; an upload that fails
 * never fails the action, and what it did not send goes with the next one.
 *
 * @example
 * const client = Client_init({ agentId: "bot", stateDir, sinks: [uploadSink({ stateDir })] });
 * @throws {TypeError} when no target is given and TRUSERA_API_URL or TRUSERA_API_KEY is unset.
 */
export function uploadSink(options: UploadSinkOptions): ReceiptSink {
  const url = options.target?.url ?? process.env.TRUSERA_API_URL;
  const apiKey = options.target?.apiKey ?? process.env.TRUSERA_API_KEY;
  if (!url || !apiKey)
    throw new TypeError("uploadSink needs a target, or TRUSERA_API_URL and TRUSERA_API_KEY");
  const paths = statePaths(options.stateDir);
  const delayMs = options.delayMs ?? 1000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;

  const upload = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = uploadReceipts(paths, { url, apiKey })
      .then(
        (report) => options.onUpload?.(report),
        (err) => options.onError?.(err),
      )
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          void upload();
        }
      });
    return running;
  };

  return {
    name: "trusera-server",
    accept() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        void upload();
      }, delayMs);
      timer.unref();
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      while (running) await running;
      await upload();
      while (running) await running;
    },
  };
}
