import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export const COLORS = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
];

/** A uPlot time chart: `times` in ms, one line per series. */
export function TimeChart(props: {
  times: number[];
  series: { label: string; values: number[]; color?: string; bars?: boolean }[];
  height?: number;
  testId?: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const width = Math.max(300, host.clientWidth);
    const opts: uPlot.Options = {
      width,
      height: props.height ?? 220,
      scales: { x: { time: true } },
      axes: [{ stroke: "#888" }, { stroke: "#888", grid: { stroke: "#8882" } }],
      series: [
        {},
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? COLORS[i % COLORS.length],
          fill: s.bars ? `${s.color ?? COLORS[i % COLORS.length]}55` : undefined,
          width: 2,
          ...(s.bars ? { paths: uPlot.paths.bars!({ size: [0.8, 40] }) } : {}),
        })),
      ],
    };
    const data = [
      props.times.map((t) => t / 1000),
      ...props.series.map((s) => s.values),
    ] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, host);
    const resize = () =>
      plot.setSize({ width: Math.max(300, host.clientWidth), height: props.height ?? 220 });
    addEventListener("resize", resize);
    return () => {
      removeEventListener("resize", resize);
      plot.destroy();
    };
  }, [props.times, props.series, props.height]);
  return <div class="chart" ref={el} data-testid={props.testId} />;
}
