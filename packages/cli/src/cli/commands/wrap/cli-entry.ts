import { fileURLToPath } from "node:url";

/** `node` and the CLI script as absolute paths: what shims and hooks written to disk run. */
export function cliEntry(): { node: string; cli: string } {
  const main = process.argv[1];
  const cli =
    main && /cli\.(c|m)?js$/.test(main) ? main : fileURLToPath(new URL("./cli.js", import.meta.url));
  return { node: process.execPath, cli };
}
