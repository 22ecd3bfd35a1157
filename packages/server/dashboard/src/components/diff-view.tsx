import { diffLines } from "diff";

/** A line diff of two policy texts: removed lines red, added green, unchanged grey. */
export function DiffView({ before, after, testId }: { before: string; after: string; testId?: string }) {
  const parts = diffLines(before, after);
  if (parts.every((p) => !p.added && !p.removed)) return <p class="muted">No change.</p>;
  return (
    <pre class="diff" data-testid={testId}>
      {parts.flatMap((p, i) =>
        p.value
          .replace(/\n$/, "")
          .split("\n")
          .map((line, j) => (
            <div key={`${i}-${j}`} class={p.added ? "add" : p.removed ? "del" : "same"}>
              {p.added ? "+ " : p.removed ? "- " : "  "}
              {line}
            </div>
          )),
      )}
    </pre>
  );
}
