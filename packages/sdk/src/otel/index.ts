export type { SpanSource } from "./event-span.js";
export { spanOf } from "./event-span.js";
export { exportToOtel, type OtelExport, type OtelExportOptions } from "./export.js";
