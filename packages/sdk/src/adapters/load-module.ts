import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

// Where optional libraries are looked for: the application's working directory first, then this
// package (a hoisted install puts both on the same node_modules). `import.meta.url` is shimmed in the
// CommonJS build.
function requirers(): NodeJS.Require[] {
  const out: NodeJS.Require[] = [];
  try {
    out.push(createRequire(join(process.cwd(), "noop.js")));
  } catch {}
  try {
    out.push(createRequire(import.meta.url));
  } catch {}
  return out;
}

/**
 * Every distinct CommonJS copy of `name` reachable from the working directory or this package,
 * loaded with `require`. An absent package is silently skipped.
 */
export function requireOptional(name: string): unknown[] {
  const seen = new Set<unknown>();
  for (const req of requirers()) {
    try {
      seen.add(req(name));
    } catch {}
  }
  return [...seen];
}

const CONDITIONS = new Set(["node", "import", "default"]);

// Node's resolution of an `exports` target for the conditions of an ESM import: the first key, in
// object order, that is one of the conditions, recursively.
function exportTarget(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (Array.isArray(entry)) {
    for (const e of entry) {
      const t = exportTarget(e);
      if (t) return t;
    }
    return undefined;
  }
  if (!entry || typeof entry !== "object") return undefined;
  for (const [key, value] of Object.entries(entry)) {
    if (CONDITIONS.has(key)) {
      const t = exportTarget(value);
      if (t) return t;
    }
  }
  return undefined;
}

function esmEntry(pkgJsonPath: string): string | undefined {
  const pkg = JSON.parse(readFileSync(pkgJsonPath, "utf8")) as {
    exports?: unknown;
    module?: string;
    main?: string;
    type?: string;
  };
  let target: string | undefined;
  if (pkg.exports !== undefined) {
    const exp = pkg.exports;
    const root =
      typeof exp === "object" && exp !== null && !Array.isArray(exp) && "." in exp
        ? (exp as Record<string, unknown>)["."]
        : exp;
    target = exportTarget(root);
  }
  target ??= pkg.main;
  return target ? join(dirname(pkgJsonPath), target) : undefined;
}

/**
 * The ES module copy of `name` an ESM application gets with `import`, which for dual packages (axios)
 * is a different instance from the CommonJS one. Resolves to an empty list when absent.
 */
export async function importOptional(name: string): Promise<unknown[]> {
  const seen = new Set<unknown>();
  for (const req of requirers()) {
    let file: string | undefined;
    try {
      file = esmEntry(req.resolve(`${name}/package.json`));
    } catch {
      continue;
    }
    if (!file) continue;
    try {
      const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
      seen.add(mod.default ?? mod);
    } catch {}
  }
  return [...seen];
}
