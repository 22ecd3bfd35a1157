import { ISO_TIMESTAMP_PATTERN } from "./events/validate.js";

/** A point in time kept to the microsecond, as SDKs in other languages send it. */
export interface ParsedTimestamp {
  /** Microseconds since the Unix epoch. */
  micros: number;
  /** ISO-8601 in UTC with microseconds, e.g. `2026-11-22T02:11:33.123456Z`. */
  readonly iso: string;
}

// Numbers below these bounds are read as seconds, then milliseconds, then microseconds: a value in
// seconds stays under 1e11 until the year 5138, and one in milliseconds under 1e14 likewise.
const SECONDS_BELOW = 1e11;
const MILLIS_BELOW = 1e14;
const MICROS_BELOW = 1e17;

export function formatMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const extra = micros - ms * 1000;
  const base = new Date(ms).toISOString(); // ...sss Z
  return `${base.slice(0, -1)}${String(extra).padStart(3, "0")}Z`;
}

/**
 * Reads a timestamp in any form the three SDK dialects send: ISO-8601 text, or a number (or digit
 * string) of seconds, milliseconds or microseconds since the epoch. Returns null when it is none of these.
 */
export function parseTimestamp(value: unknown): ParsedTimestamp | null {
  let micros: number;
  if (typeof value === "number" || (typeof value === "string" && /^\d+(?:\.\d+)?$/.test(value))) {
    const n = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(n) || n < 0 || n >= MICROS_BELOW) return null;
    if (n < SECONDS_BELOW) micros = Math.round(n * 1e6);
    else if (n < MILLIS_BELOW) micros = Math.round(n * 1e3);
    else micros = Math.round(n);
  } else if (typeof value === "string") {
    // The form every SDK sends is read without regular expressions or Date.parse (one per ingested event).
    micros = utcIsoMicros(value);
    if (micros < 0) {
      if (!ISO_TIMESTAMP_PATTERN.test(value)) return null;
      const ms = Date.parse(value.replace(" ", "T"));
      if (Number.isNaN(ms)) return null;
      const fraction = /\.(\d+)/.exec(value)?.[1] ?? "";
      const subMillis = fraction.length > 3 ? Number(fraction.slice(3, 6).padEnd(3, "0")) : 0;
      micros = ms * 1000 + subMillis;
    }
  } else {
    return null;
  }
  if (!Number.isSafeInteger(micros)) return null;
  return new Timestamp(micros);
}

const ZERO = 48;

function digitsAt(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z` in microseconds, or -1 for anything else (then the general path
 * decides). Fields are checked to the ranges in which Date.UTC and Date.parse agree (a day past the
 * month's end rolls over in both); digits past the microsecond are cut, as the general path does.
 */
function utcIsoMicros(v: string): number {
  const n = v.length;
  if (n < 20 || n > 30 || v.charCodeAt(n - 1) !== 90 /* Z */) return -1;
  if (v[4] !== "-" || v[7] !== "-" || v[10] !== "T" || v[13] !== ":" || v[16] !== ":") return -1;
  const year = digitsAt(v, 0, 4);
  const month = digitsAt(v, 5, 2);
  const day = digitsAt(v, 8, 2);
  const hour = digitsAt(v, 11, 2);
  const minute = digitsAt(v, 14, 2);
  const second = digitsAt(v, 17, 2);
  // Before 1970 (and Date.UTC's reading of years 0-99 as 19xx) is left to the general path.
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31) return -1;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
  let fraction = 0;
  if (n > 20) {
    if (v[19] !== ".") return -1;
    const digits = n - 21; // between the dot and the Z
    const all = digits < 1 || digits > 9 ? -1 : digitsAt(v, 20, digits);
    if (all < 0) return -1;
    fraction = digits > 6 ? Math.floor(all / 10 ** (digits - 6)) : all * 10 ** (6 - digits);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) * 1000 + fraction;
}

// `iso` is formatted on demand: ingest reads only `micros`, and formatting every event's time was 5%
// of its CPU.
class Timestamp implements ParsedTimestamp {
  constructor(readonly micros: number) {}

  get iso(): string {
    return formatMicros(this.micros);
  }
}
