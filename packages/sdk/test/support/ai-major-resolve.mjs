// The resolve hook registered by ai-major-hook.mjs.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

let parentURL;

export function initialize(data) {
  parentURL = pathToFileURL(join(data.dir, "package.json")).href;
}

export function resolve(specifier, context, next) {
  if (specifier === "ai" || specifier.startsWith("ai/")) return next(specifier, { ...context, parentURL });
  return next(specifier, context);
}
