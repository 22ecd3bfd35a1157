/** A JSON value, indented, with keys, strings and numbers told apart by colour. */
export function JsonView({ value, testId }: { value: unknown; testId?: string }) {
  const text = JSON.stringify(value, null, 2) ?? "undefined";
  const parts: preact.JSX.Element[] = [];
  const re = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\b|\b(true|false|null)\b/g;
  let last = 0;
  let i = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) parts.push(<span key={i++}>{text.slice(last, m.index)}</span>);
    if (m[1]) {
      parts.push(
        <span key={i++} class={m[2] ? "json-key" : "json-string"}>
          {m[1]}
        </span>,
      );
      if (m[2]) parts.push(<span key={i++}>{m[2]}</span>);
    } else if (m[3])
      parts.push(
        <span key={i++} class="json-number">
          {m[3]}
        </span>,
      );
    else
      parts.push(
        <span key={i++} class="json-literal">
          {m[4]}
        </span>,
      );
    last = m.index + m[0].length;
  }
  parts.push(<span key={i++}>{text.slice(last)}</span>);
  return (
    <pre class="json" data-testid={testId}>
      {parts}
    </pre>
  );
}
