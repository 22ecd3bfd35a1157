import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ConfigurationError,
  contentHash,
  KeyStore,
  readReceiptLog,
  statePaths,
  verifyLogText,
  verifyReceiptSignature,
} from "@trusera/core";
import { tempDir } from "@trusera/testing";
import { afterEach, describe, expect, it } from "vitest";
import { Client_init, DeniedError } from "../src/index.js";
import { POLICY } from "./helpers.js";

const dirs: { remove(): void }[] = [];
const fresh = () => {
  const d = tempDir("tt-sdk-");
  dirs.push(d);
  return d.path;
};
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
  delete process.env.ATP_POLICY_PATH;
});

const verify = (dir: string) => {
  const paths = statePaths(dir);
  const { text, head } = readReceiptLog(paths);
  return verifyLogText(text, new KeyStore(paths).lookup(), { text: head });
};

describe("Client_init / executeActionWithReceipt", () => {
  it("runs an allowed action and returns its result with a signed, chained receipt", async () => {
    const stateDir = fresh();
    const client = Client_init({ agentId: "my-agent", policy: POLICY, stateDir });
    const { result, receipt } = await client.executeActionWithReceipt(() => ({ ok: true }), {
      target: "resource-1",
      action_class: "write_low",
    });
    expect(result).toEqual({ ok: true });
    expect(receipt.receipt_id).toMatch(/^TR-\d+$/);
    expect(receipt.intent_id).toBe(receipt.receipt_id.replace("TR-", "TI-"));
    expect(receipt.decision).toMatchObject({ outcome: "allow", reason_code: "rule:reads", mode: "strict" });
    expect(receipt.execution_status).toBe("executed");
    expect(receipt.intent).toMatchObject({
      actor_id: "my-agent",
      action_class: "write_low",
      target: { id: "resource-1" },
    });
    expect(receipt.signature.alg).toBe("Ed25519");
    // The seed's receipt.outcome: the decision's, not a field of the signed JSON.
    expect(receipt.outcome).toBe("allow");
    expect(JSON.parse(JSON.stringify(receipt))).not.toHaveProperty("outcome");
    expect(receipt.output_hash).toEqual(contentHash({ ok: true }));
    expect(verifyReceiptSignature(receipt, new KeyStore(statePaths(stateDir)).lookup()).ok).toBe(true);
    const second = await client.executeActionWithReceipt(async () => 2, {
      target: "r2",
      action_class: "read",
    });
    expect(second.receipt.chain.seq).toBe(2);
    expect(verify(stateDir)).toMatchObject({ ok: true, receipts: 2 });
  });

  it("throws Denied: <reason_code> on a deny, after writing a signed receipt, without running the action", async () => {
    const stateDir = fresh();
    const client = Client_init({ agentId: "a", policy: POLICY, stateDir });
    let ran = false;
    const err = await client
      .executeActionWithReceipt(
        () => {
          ran = true;
        },
        { target: "users", action_class: "delete" },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeniedError);
    expect((err as Error).message).toBe("Denied: rule:no-delete");
    expect(ran).toBe(false);
    const receipt = (err as DeniedError).receipt;
    expect((receipt as unknown as { outcome: string }).outcome).toBe("deny");
    expect(receipt).toMatchObject({
      execution_status: "blocked",
      decision: { outcome: "deny", enforced: true },
    });
    expect(verify(stateDir)).toMatchObject({ ok: true, receipts: 1 });
    await expect(
      client.executeActionWithReceipt(() => 1, { target: "x", action_class: "network" }),
    ).rejects.toThrow("Denied: default_deny");
  });

  it("records without blocking in audit mode, and blocks only rule denies in permissive mode", async () => {
    const stateDir = fresh();
    const audit = Client_init({ agentId: "a", policy: POLICY, stateDir, mode: "audit" });
    const { result, receipt } = await audit.executeActionWithReceipt(() => "done", {
      target: "t",
      action_class: "delete",
    });
    expect(result).toBe("done");
    expect(receipt).toMatchObject({
      execution_status: "executed",
      decision: { outcome: "deny", enforced: false, mode: "audit", reason_code: "rule:no-delete" },
      intent: { governance_profile: "transient-trace:audit" },
    });
    const permissive = Client_init({ agentId: "a", policy: POLICY, stateDir, mode: "permissive" });
    const passed = await permissive.executeActionWithReceipt(() => 1, {
      target: "t",
      action_class: "network",
    });
    expect(passed.receipt.decision).toMatchObject({
      outcome: "deny",
      reason_code: "default_deny",
      enforced: false,
    });
    await expect(
      permissive.executeActionWithReceipt(() => 1, { target: "t", action_class: "delete" }),
    ).rejects.toThrow("Denied: rule:no-delete");
    expect(verify(stateDir)).toMatchObject({ ok: true, receipts: 3 });
  });

  it("records a failing action as an error and rethrows the original error", async () => {
    const stateDir = fresh();
    const client = Client_init({ agentId: "a", policy: POLICY, stateDir });
    const boom = new Error("disk on fire, token sk-ant-abcdefghijklmnopqrstuvwx");
    await expect(
      client.executeActionWithReceipt(
        () => {
          throw boom;
        },
        { target: "t", action_class: "read" },
      ),
    ).rejects.toBe(boom);
    const { text } = readReceiptLog(statePaths(stateDir));
    const receipt = JSON.parse(text.trim());
    expect(receipt.execution_status).toBe("error");
    expect(receipt.event_snapshot.error).toBe("Error: disk on fire, token [REDACTED]");
  });

  it("never writes secrets from targets or context", async () => {
    const stateDir = fresh();
    const client = Client_init({ agentId: "a", policy: POLICY, stateDir });
    await client.executeActionWithReceipt(() => 1, {
      target: { url: "https://x.test/?q=1", api_key: "abc123", note: "Bearer abcdefghijkl" },
      action_class: "read",
      context: { password: "hunter2", cmd: "curl -H 'Authorization: Bearer abcdefghijklmnop'" },
      input: { secret: "s" },
    });
    const { text } = readReceiptLog(statePaths(stateDir));
    for (const secret of ["abc123", "hunter2", "abcdefghijklmnop", "abcdefghijkl"])
      expect(text).not.toContain(secret);
    expect(JSON.parse(text).input_hash.alg).toBe("sha256");
  });

  it("defaults to deny-all, and finds policies in the documented order", async () => {
    const cwd = fresh();
    const stateDir = fresh();
    const before = process.cwd();
    process.chdir(cwd);
    try {
      await expect(
        Client_init({ agentId: "a", stateDir }).executeActionWithReceipt(() => 1, {
          target: "t",
          action_class: "read",
        }),
      ).rejects.toThrow("Denied: default_deny");
      mkdirSync(join(cwd, ".atp"));
      writeFileSync(
        join(cwd, ".atp", "policy.json"),
        JSON.stringify({ version: 1, defaultAction: "allow", rules: [] }),
      );
      const project = await Client_init({ agentId: "a", stateDir }).executeActionWithReceipt(() => 1, {
        target: "t",
        action_class: "delete",
      });
      expect(project.receipt.decision.reason_code).toBe("default_allow");
      const envPolicy = join(cwd, "env.json");
      writeFileSync(
        envPolicy,
        JSON.stringify({ version: 1, defaultAction: "deny", rules: [{ id: "env", action: "allow" }] }),
      );
      process.env.ATP_POLICY_PATH = envPolicy;
      const fromEnv = await Client_init({ agentId: "a", stateDir }).executeActionWithReceipt(() => 1, {
        target: "t",
        action_class: "delete",
      });
      expect(fromEnv.receipt.decision.reason_code).toBe("rule:env");
      const given = await Client_init({
        agentId: "a",
        stateDir,
        policy: JSON.stringify(POLICY),
      }).executeActionWithReceipt(() => 1, { target: "t", action_class: "read" });
      expect(given.receipt.decision.reason_code).toBe("rule:reads");
    } finally {
      process.chdir(before);
    }
  });

  it("refuses bad options at once", async () => {
    expect(() => Client_init({ agentId: "" })).toThrow(ConfigurationError);
    expect(() =>
      Client_init({ agentId: "a", policy: { version: 1, defaultAction: "maybe" } as never }),
    ).toThrow(/defaultAction/);
    expect(() => Client_init({ agentId: "a", mode: "lenient" as never })).toThrow(/mode/);
    const client = Client_init({ agentId: "a", policy: POLICY, stateDir: fresh() });
    await expect(
      client.executeActionWithReceipt(() => 1, { target: "t", action_class: "writes" as never }),
    ).rejects.toThrow(/action_class/);
  });
});
