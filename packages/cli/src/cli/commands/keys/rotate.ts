import { KeyStore } from "@trusera/core";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";
import { cliState } from "../../state.js";

/** `transient-trace keys rotate`: a new signing key; the old public key stays for verification. */
export async function keysRotate(options: { json?: boolean } = {}, io: CliIo = processIo()) {
  const done = new KeyStore(cliState(io)).rotate();
  if (options.json) printJson(io, { active: done.active, retired: done.retired ?? null });
  else {
    io.stdout(`${done.active}\n`);
    io.stderr(
      done.retired
        ? `New signing key ${done.active}. The old key ${done.retired} is retired: its private key file was deleted and its public key kept, so older receipts still verify.\n`
        : `Made the first signing key ${done.active}.\n`,
    );
  }
  return done;
}

/** `transient-trace keys list`: the public keys (JWKS). */
export async function keysList(options: { json?: boolean } = {}, io: CliIo = processIo()) {
  const jwks = new KeyStore(cliState(io)).jwks();
  if (options.json) printJson(io, { jwks });
  else
    for (const k of jwks.keys)
      io.stdout(`${k.kid}\t${k.status ?? ""}\t${k.created_at ?? ""}\t${k.retired_at ?? ""}\n`);
  return jwks;
}

export const keysRotateCommand: CommandSpec = {
  name: "keys rotate",
  summary: "Make a new signing key",
  help: `Usage: transient-trace keys rotate [--json]

Makes a new Ed25519 signing key and makes it active. The previous key is retired: its private key
file is deleted, its public key stays in keys/jwks.json so that receipts it signed still verify.
The chain goes on across the rotation. Prints the new key id (an RFC 7638 thumbprint).

Options:
  --json      {"version": 1, "active": KID, "retired": KID|null}
  -h, --help  Show this help
`,
  options: { ...HELP_FLAG, ...JSON_FLAG },
  async run(values, positionals, io) {
    if (positionals.length > 0)
      throw usageError(`keys rotate takes no arguments, got "${positionals.join(" ")}"`);
    await keysRotate({ json: values.json === true }, io);
  },
};

export const keysListCommand: CommandSpec = {
  name: "keys list",
  summary: "List public keys",
  help: `Usage: transient-trace keys list [--json]

Lists the public signing keys: kid, status (active or retired), created, retired.

Options:
  --json      {"version": 1, "jwks": {"keys": [...]}} (a JWKS usable with receipts verify --jwks)
  -h, --help  Show this help
`,
  options: { ...HELP_FLAG, ...JSON_FLAG },
  async run(values, positionals, io) {
    if (positionals.length > 0)
      throw usageError(`keys list takes no arguments, got "${positionals.join(" ")}"`);
    await keysList({ json: values.json === true }, io);
  },
};
