import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateApiKey } from "./auth/api-keys.js";
import type { KeyRole, Project, Store } from "./store/types.js";

export const DEFAULT_PROJECT = "default";

/** Finds or creates the project and gives it a new key; the plaintext key exists only in the return value. */
export async function createKey(
  store: Store,
  projectName: string,
  role: KeyRole,
  label?: string,
): Promise<{ key: string; id: string; project: Project }> {
  const project = (await store.findProjectByName(projectName)) ?? (await store.createProject(projectName));
  const generated = generateApiKey();
  const record = await store.createApiKey({
    projectId: project.id,
    role,
    hash: generated.hash,
    prefix: generated.prefix,
    ...(label !== undefined ? { label } : {}),
  });
  return { key: generated.key, id: record.id, project };
}

/**
 * On a first start (no key at all) creates the default project with an admin key and writes the key
 * to `<dataDir>/api-key`, readable by its owner only, so that a newcomer or a script can go on at once.
 * Returns the key when one was made.
 */
export async function bootstrapFirstKey(
  store: Store,
  dataDir: string,
): Promise<{ key: string; file: string } | null> {
  if ((await store.countApiKeys()) > 0) return null;
  const generated = generateApiKey();
  // Atomic: with several processes starting on one empty database, exactly one creates the key.
  const made = await store.createFirstApiKey({
    projectName: DEFAULT_PROJECT,
    hash: generated.hash,
    prefix: generated.prefix,
    label: "created on first start",
  });
  if (!made) return null;
  const key = generated.key;
  const file = join(dataDir, "api-key");
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file };
}
