import { isSensitiveName, REDACTED, redactText, scrubSecrets } from "@trusera/core";

const TEXTUAL =
  /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|x-www-form-urlencoded|javascript|graphql))/i;

/** Byte length of a body chunk as the libraries hand them over (string, Buffer, typed array). */
export function chunkBytes(chunk: unknown, encoding?: unknown): number {
  if (typeof chunk === "string")
    return Buffer.byteLength(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  if (ArrayBuffer.isView(chunk)) return chunk.byteLength;
  if (chunk instanceof ArrayBuffer) return chunk.byteLength;
  return 0;
}

/** The first `max` bytes of a body, kept only when body capture is on. */
export class BodyCapture {
  readonly #max: number;
  #parts: Buffer[] = [];
  #kept = 0;
  total = 0;

  constructor(max: number) {
    this.#max = max;
  }

  add(chunk: unknown, encoding?: unknown): void {
    const bytes = chunkBytes(chunk, encoding);
    this.total += bytes;
    if (this.#kept >= this.#max || bytes === 0) return;
    let buf: Buffer;
    if (typeof chunk === "string")
      buf = Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
    else if (ArrayBuffer.isView(chunk)) buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else if (chunk instanceof ArrayBuffer) buf = Buffer.from(chunk);
    else return;
    const room = this.#max - this.#kept;
    const part = buf.length > room ? Buffer.from(buf.subarray(0, room)) : Buffer.from(buf);
    this.#parts.push(part);
    this.#kept += part.length;
  }

  /**
   * The captured text, scrubbed of secrets; a marker instead for binary or compressed content.
   * `contentType` and `contentEncoding` come from the message's headers.
   */
  text(contentType: string | undefined, contentEncoding: string | undefined): string | undefined {
    if (this.total === 0) return undefined;
    if (contentEncoding && !/^\s*identity\s*$/i.test(contentEncoding))
      return `[${contentEncoding.trim()}-encoded, ${this.total} bytes]`;
    if (contentType && !TEXTUAL.test(contentType.trim()))
      return `[${contentType.split(";")[0]}, ${this.total} bytes]`;
    const text = Buffer.concat(this.#parts).toString("utf8");
    const complete = this.#kept >= this.total;
    const scrubbed = scrubBody(text, complete);
    return complete ? scrubbed : `${scrubbed}…[truncated, ${this.total} bytes]`;
  }
}

const JSON_PAIR = /("((?:[^"\\]|\\.)*)"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false)/g;
const FORM_PAIR = /(^|&)([^=&]+)=([^&]*)/g;

/**
 * A body with its secrets replaced: values under sensitive keys (JSON or form-encoded) and
 * secret-shaped runs anywhere. A cut-off JSON body is scrubbed by pattern, since it does not parse.
 */
export function scrubBody(text: string, complete: boolean): string {
  const trimmed = text.trimStart();
  if (complete && (trimmed.startsWith("{") || trimmed.startsWith("["))) {
    try {
      return JSON.stringify(scrubSecrets(JSON.parse(text)));
    } catch {}
  }
  let out = redactText(text);
  out = out.replace(JSON_PAIR, (all, head: string, key: string) =>
    isSensitiveName(key) ? `${head}"${REDACTED}"` : all,
  );
  if (!out.includes("{") && out.includes("=")) {
    out = out.replace(FORM_PAIR, (all, lead: string, key: string) => {
      let name = key;
      try {
        name = decodeURIComponent(key.replace(/\+/g, " "));
      } catch {}
      return isSensitiveName(name) ? `${lead}${key}=${REDACTED}` : all;
    });
  }
  return out;
}
