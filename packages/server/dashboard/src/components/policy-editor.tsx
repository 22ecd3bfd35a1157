import { useRef, useState } from "preact/hooks";

export interface Diagnostic {
  line: number;
  column: number;
  message: string;
  policy_id?: string;
  help?: string;
}

const LINE_PX = 20;
const PAD_PX = 8;

/**
 * A plain textarea for Cedar text with line numbers, and each error drawn at its line: the line is
 * marked, its number turns red, and the message is written at the end of the line.
 */
export function PolicyEditor(props: {
  value: string;
  onInput: (text: string) => void;
  errors: Diagnostic[];
  readOnly?: boolean;
  testId?: string;
}) {
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  const area = useRef<HTMLTextAreaElement>(null);
  const lines = Math.max(1, props.value.split("\n").length);
  const byLine = new Map<number, Diagnostic[]>();
  for (const e of props.errors) byLine.set(e.line, [...(byLine.get(e.line) ?? []), e]);
  const goTo = (d: Diagnostic) => {
    const el = area.current;
    if (!el) return;
    const starts = props.value.split("\n").slice(0, d.line - 1);
    const offset = starts.reduce((n, l) => n + l.length + 1, 0) + Math.max(0, d.column - 1);
    el.focus();
    el.setSelectionRange(offset, offset);
  };

  return (
    <div>
      <div class="editor" style={{ height: `${Math.min(Math.max(lines, 12), 30) * LINE_PX + 2 * PAD_PX}px` }}>
        <div class="gutter" aria-hidden="true">
          <div style={{ transform: `translateY(${-scroll.top}px)` }}>
            {Array.from({ length: lines }, (_, i) => (
              <div key={i} class={byLine.has(i + 1) ? "ln bad" : "ln"}>
                {i + 1}
              </div>
            ))}
          </div>
        </div>
        <div class="text">
          <div class="overlay" aria-hidden="true">
            {[...byLine.entries()].map(([line, ds]) => (
              <div
                key={line}
                class="error-line"
                data-testid={`error-at-line-${line}`}
                style={{ top: `${PAD_PX + (line - 1) * LINE_PX - scroll.top}px` }}
              >
                <span class="error-lens">⚠ {ds.map((d) => `col ${d.column}: ${d.message}`).join(" · ")}</span>
              </div>
            ))}
          </div>
          <textarea
            ref={area}
            data-testid={props.testId}
            spellcheck={false}
            wrap="off"
            readOnly={props.readOnly}
            value={props.value}
            onInput={(e) => props.onInput((e.target as HTMLTextAreaElement).value)}
            onScroll={(e) => {
              const t = e.target as HTMLTextAreaElement;
              setScroll({ top: t.scrollTop, left: t.scrollLeft });
            }}
          />
        </div>
      </div>
      {props.errors.length > 0 && (
        <ul class="diagnostics" data-testid="policy-errors">
          {props.errors.map((d, i) => (
            <li key={i}>
              <button type="button" class="link" onClick={() => goTo(d)}>
                line {d.line}, column {d.column}
              </button>
              : {d.message}
              {d.help && <span class="muted"> ({d.help})</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
