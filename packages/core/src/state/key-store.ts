import { createPrivateKey, createPublicKey } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StateError } from "../errors.js";
import { isJsonObject } from "../events/validate.js";
import { nowIso } from "../receipts/clock.js";
import {
  type Ed25519Jwk,
  generateSigningKey,
  type Jwks,
  jwksLookup,
  type KeyLookup,
  publicJwk,
  type SigningKey,
} from "../receipts/keys.js";
import { withFileLock } from "./lock.js";
import { ensurePrivateDir, type StatePaths } from "./paths.js";
import { pinKey, readPins, realDir } from "./trust-store.js";

/**
 * The signing keys of a state directory. `keys/<kid>.pem` holds the active private key (PKCS#8,
 * mode 0600, in a 0700 directory); `keys/jwks.json` every public key ever used, the active one
 * marked `status: "active"`, so receipts signed before a rotation still verify.
 */
export class KeyStore {
  private active: SigningKey | undefined;

  constructor(private readonly paths: StatePaths) {}

  /** The public keys (JWKS); empty before the first receipt. */
  jwks(): Jwks {
    let text: string;
    try {
      text = readFileSync(this.paths.jwks, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { keys: [] };
      throw new StateError(`cannot read ${this.paths.jwks}: ${(err as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new StateError(`${this.paths.jwks} is not valid JSON: ${(err as Error).message}`);
    }
    if (!isJsonObject(value) || !Array.isArray(value.keys))
      throw new StateError(`${this.paths.jwks} is not a JWKS ({"keys": [...]})`);
    return value as unknown as Jwks;
  }

  /** A lookup over every public key of the JWKS. */
  lookup(): KeyLookup {
    return jwksLookup(this.jwks()).lookup;
  }

  /** The key that signs new receipts, made (with its directory) on first use. */
  signingKey(): SigningKey {
    if (this.active) return this.active;
    const existing = this.loadActive();
    if (existing) {
      this.active = existing;
      this.pin(existing.kid);
      return existing;
    }
    ensurePrivateDir(this.paths.keysDir);
    this.active = withFileLock(this.paths.keysLock, () => this.loadActive() ?? this.create(undefined));
    return this.active;
  }

  /**
   * Makes a new key the active one. The old public key stays in the JWKS (status `retired`) so old
   * receipts verify; its private key file is deleted, which is what a rotation is for.
   */
  rotate(): { retired: string | undefined; active: string } {
    ensurePrivateDir(this.paths.keysDir);
    return withFileLock(this.paths.keysLock, () => {
      const old = this.jwks().keys.find((k) => k.status === "active");
      // The retired key signed this directory's receipts until now: keep it believed.
      if (old) this.pin(old.kid);
      const made = this.create(old?.kid);
      this.active = made;
      return { retired: old?.kid, active: made.kid };
    });
  }

  private privatePath(kid: string): string {
    return join(this.paths.keysDir, `${kid}.pem`);
  }

  private loadActive(): SigningKey | undefined {
    const entry = this.jwks().keys.find((k) => k.status === "active");
    if (!entry) return undefined;
    let pem: string;
    try {
      pem = readFileSync(this.privatePath(entry.kid), "utf8");
    } catch (err) {
      throw new StateError(
        `the active key ${entry.kid} has no private key file (${this.privatePath(entry.kid)}): ${(err as Error).message}. Run "transient-trace keys rotate" to make a new one.`,
      );
    }
    const privateKey = createPrivateKey(pem);
    const publicKey = createPublicKey(privateKey);
    const kid = publicJwk(publicKey).kid;
    if (kid !== entry.kid)
      throw new StateError(
        `the private key file of ${entry.kid} holds another key (${kid}); refusing to sign`,
      );
    return { kid, privateKey, publicKey };
  }

  private create(retire: string | undefined): SigningKey {
    const key = generateSigningKey();
    const now = nowIso();
    const file = this.privatePath(key.kid);
    const pem = key.privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    writeFileSync(file, pem, { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600); // in case the umask widened it
    const keys: Ed25519Jwk[] = this.jwks().keys.map((k) =>
      k.kid === retire || k.status === "active" ? { ...k, status: "retired", retired_at: now } : k,
    );
    keys.push({ ...publicJwk(key.publicKey, now), status: "active" });
    const tmp = `${this.paths.jwks}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o644 });
    renameSync(tmp, this.paths.jwks);
    if (retire && existsSync(this.privatePath(retire))) rmSync(this.privatePath(retire));
    this.pin(key.kid);
    return key;
  }

  /**
   * Pins a key this writer signs with (made now, or loaded with its private key file once per
   * process) in the user's trust file outside the state directory: the anchor `receipts verify`
   * believes. A failure must not stop signing, but is never silent: it warns, and verification later
   * says loudly that it has no anchor.
   */
  private pin(kid: string): void {
    try {
      const dir = realDir(this.paths.root);
      if (readPins().some((p) => p.state_dir === dir && p.kid === kid)) return;
      pinKey(this.paths.root, kid);
    } catch (err) {
      process.emitWarning(
        `key ${kid} was not pinned as a trust anchor: ${(err as Error).message}. "transient-trace receipts verify" will report no trust anchor unless given --trust ${kid}.`,
        { code: "TRANSIENT_TRACE_TRUST_PIN" },
      );
    }
  }
}
