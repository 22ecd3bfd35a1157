import {
  checkLogText,
  KeyStore,
  linkRecords,
  ReceiptWriter,
  readReceiptLog,
  statePaths,
} from "@trusera/core";
import { tempDir } from "@trusera/testing";
import { expect, it } from "vitest";
import { testBody } from "./fixtures/receipt-body.js";

/** `linkRecords(..., after)`: a part of a chain checked against the receipt before it (a server's head). */
it("links a later part of a chain onto the position it continues from, naming that position on a fault", async () => {
  const dir = tempDir("tt-after-");
  try {
    const writer = new ReceiptWriter(dir.path);
    for (let i = 1; i <= 5; i++) writer.record(testBody(i));
    await writer.close();
    const paths = statePaths(dir.path);
    const lookup = new KeyStore(paths).lookup();
    const records = checkLogText(readReceiptLog(paths).text, lookup);
    const third = records[2]!;

    const ok = linkRecords(records.slice(3), lookup, undefined, {
      seq: 3,
      hash: third.hash!,
      name: "seq 3 on the server",
    });
    expect(ok).toMatchObject({ ok: true, receipts: 2, lastSeq: 5 });
    expect(linkRecords([], lookup, undefined, { seq: 3, hash: third.hash!, name: "x" })).toMatchObject({
      ok: true,
      lastSeq: 3,
      lastHash: third.hash,
    });

    const otherHash = linkRecords(records.slice(3), lookup, undefined, {
      seq: 3,
      hash: "a".repeat(64),
      name: "seq 3 on the server",
    });
    expect(otherHash.ok).toBe(false);
    expect(otherHash.problems[0]).toMatchObject({ kind: "chain_link", seq: 4 });
    expect(otherHash.problems[0]!.message).toContain("seq 3 on the server");

    const gap = linkRecords(records.slice(4), lookup, undefined, {
      seq: 3,
      hash: third.hash!,
      name: "seq 3 on the server",
    });
    expect(gap.problems[0]).toMatchObject({ kind: "chain_seq", seq: 5 });
    expect(gap.problems[0]!.message).toContain("expected seq 4");
  } finally {
    dir.remove();
  }
});
