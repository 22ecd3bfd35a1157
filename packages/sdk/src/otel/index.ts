export { type SpanSource, spanOf } from "@trusera/core";
export { exportToOtel, type OtelExport, type OtelExportOptions } from "./export.js";
