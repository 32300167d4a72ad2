/**
 * Small inline SVG bar charts for the sanity panels (a few hundred elements at most): bars with a
 * tooltip each, the largest value on the y axis, first and last labels on the x axis.
 */
import { escapeHtml, formatAxis } from "./html-text.ts";

export interface Bar {
  value: number;
  /** the bar's tooltip */
  title: string;
  warn?: boolean;
}

export interface ChartOptions {
  width?: number;
  height?: number;
  xFirst?: string;
  xLast?: string;
  caption?: string;
}

/** Bars from 0 up; non-finite or negative values draw as 0. */
export function barChart(bars: readonly Bar[], options: ChartOptions = {}): string {
  const width = options.width ?? 280,
    height = options.height ?? 120;
  const left = 40,
    bottom = 16,
    top = 6;
  const plotW = width - left - 4,
    plotH = height - bottom - top;
  const values = bars.map((b) => (Number.isFinite(b.value) && b.value > 0 ? b.value : 0));
  const max = Math.max(0, ...values);
  const step = bars.length > 0 ? plotW / bars.length : plotW;
  const gap = step > 4 ? 1 : 0;
  const rects = bars.map((b, i) => {
    const h = max > 0 ? (values[i]! / max) * plotH : 0;
    const x = left + i * step;
    return (
      `<rect class="${b.warn ? "bar warn" : "bar"}" x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" ` +
      `width="${Math.max(step - gap, 0.5).toFixed(2)}" height="${h.toFixed(1)}"><title>${escapeHtml(b.title)}</title></rect>`
    );
  });
  const text = (x: number, y: number, anchor: string, s: string) =>
    `<text x="${x}" y="${y}" text-anchor="${anchor}">${escapeHtml(s)}</text>`;
  const axes = [
    `<line class="axis" x1="${left}" y1="${top + plotH}" x2="${width - 4}" y2="${top + plotH}"/>`,
    `<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}"/>`,
    text(left - 3, top + 9, "end", formatAxis(max)),
    text(left - 3, top + plotH, "end", "0"),
    options.xFirst ? text(left, height - 3, "start", options.xFirst) : "",
    options.xLast ? text(width - 4, height - 3, "end", options.xLast) : "",
  ];
  const caption = options.caption ? `<figcaption>${escapeHtml(options.caption)}</figcaption>` : "";
  return (
    `<figure class="chart"><svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">` +
    `${axes.join("")}${rects.join("")}</svg>${caption}</figure>`
  );
}
