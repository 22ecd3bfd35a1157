/** A 1-based line and column in a text. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Line and column of a character offset (UTF-16 units, as JavaScript strings count). */
export function positionAt(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.max(0, Math.min(offset, text.length));
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Cedar reports offsets in bytes of UTF-8; JavaScript strings count UTF-16 units. Converts a byte
 * offset into `text` to a string offset, so that positions are right after a non-ASCII character.
 */
export function byteOffsetToIndex(text: string, byteOffset: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    if (bytes >= byteOffset) return i;
    const code = text.codePointAt(i)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (code >= 0x10000) i++;
  }
  return text.length;
}
