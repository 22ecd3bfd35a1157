import { createKey } from "../../bootstrap.js";
import { resolveConfig } from "../../config.js";
import { openStore } from "../../store/open-store.js";
import type { KeyRole, Store } from "../../store/types.js";
import { CliError, usageError } from "../cli-error.js";

export const KEYS_HELP = `Usage: trusera-server keys <create|list|revoke> [options]

  keys create --project NAME [--role admin|ingest] [--label TEXT]
      Create a key (and the project, if new). Prints the key once; only its hash is stored.
  keys list --project NAME
      List the project's keys (id, role, prefix, created, revoked). Never prints a key.
  keys revoke KEY_ID --project NAME
      Revoke a key. Running servers stop accepting it within 5 seconds.

Options:
  --data-dir DIR   The server's data directory (env TRUSERA_DATA_DIR) [default: ./.trusera-data]
  --database-url URL  The server's Postgres database, when it uses one (env DATABASE_URL)
  --json           Print JSON instead of text
  -h, --help       Show this help
`;

type Flags = Record<string, string | boolean | undefined>;

async function withStore<T>(flags: Flags, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(resolveConfig(flags));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function requireProject(flags: Flags): string {
  const project = flags.project;
  if (typeof project !== "string" || project.trim() === "") throw usageError("--project NAME is required");
  return project;
}

export async function keysCommand(args: string[], flags: Flags): Promise<void> {
  const [sub, ...rest] = args;
  const json = flags.json === true;
  switch (sub) {
    case "create": {
      const projectName = requireProject(flags);
      const role = (flags.role ?? "admin") as string;
      if (role !== "admin" && role !== "ingest")
        throw usageError(`--role must be admin or ingest, got "${role}"`);
      const label = typeof flags.label === "string" ? flags.label : undefined;
      const made = await withStore(flags, (store) => createKey(store, projectName, role as KeyRole, label));
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ version: 1, id: made.id, project: projectName, role, key: made.key })}\n`,
        );
      } else {
        process.stderr.write(
          `Created ${role} key ${made.id} for project "${projectName}". It is shown only once:\n`,
        );
        process.stdout.write(`${made.key}\n`);
      }
      return;
    }
    case "list": {
      const projectName = requireProject(flags);
      const keys = await withStore(flags, async (store) => {
        const project = await store.findProjectByName(projectName);
        if (!project) throw new CliError(`no project named "${projectName}"`);
        return store.listApiKeys(project.id);
      });
      if (json) {
        process.stdout.write(`${JSON.stringify({ version: 1, keys })}\n`);
        return;
      }
      for (const k of keys) {
        process.stdout.write(
          `${k.id}\t${k.role}\ttsk_${k.prefix}…\t${k.createdAt}\t${k.revokedAt ? `revoked ${k.revokedAt}` : "active"}\t${k.label ?? ""}\n`,
        );
      }
      return;
    }
    case "revoke": {
      const keyId = rest[0];
      if (!keyId) throw usageError("keys revoke needs a KEY_ID (see keys list)");
      const projectName = requireProject(flags);
      const revoked = await withStore(flags, async (store) => {
        const project = await store.findProjectByName(projectName);
        if (!project) throw new CliError(`no project named "${projectName}"`);
        return store.revokeApiKey(project.id, keyId);
      });
      if (!revoked) throw new CliError(`no active key ${keyId} in project "${projectName}"`);
      if (json) process.stdout.write(`${JSON.stringify({ version: 1, revoked: keyId })}\n`);
      else process.stderr.write(`Revoked ${keyId}.\n`);
      return;
    }
    default:
      throw usageError(
        sub ? `unknown keys command "${sub}"` : "keys needs a command: create, list or revoke",
      );
  }
}
