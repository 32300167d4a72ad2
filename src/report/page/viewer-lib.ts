/**
 * The page viewer's building blocks: each function stands alone (no imports, no outer variables),
 * because the page inlines them with `Function.prototype.toString()`; Node tests call them directly.
 */

/** The bytes of a base64 string (atob exists in browsers and Node ≥ 16). */
export function decodeBase64(b64: string): ArrayBuffer {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes.buffer;
}

export interface ColorSlots {
  /** per cell: 0..colors-1 a top category, colors = "other", colors + 1 = missing */
  slot: Uint8Array;
  /** category index of each coloured slot, most frequent first */
  top: number[];
  /** cells per slot (length colors + 2) */
  counts: number[];
  /** the cells grouped by slot, in drawing order: missing, other, then the top categories */
  order: Int32Array;
}

/** Gives the `colors` most frequent categories a colour each; the rest share "other". */
export function colorSlots(codes: Int32Array, nCategories: number, colors: number): ColorSlots {
  const freq = new Array<number>(nCategories).fill(0);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c >= 0 && c < nCategories) freq[c]!++;
  }
  const top = freq
    .map((f, c) => [f, c] as const)
    .filter(([f]) => f > 0)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, colors)
    .map(([, c]) => c);
  const slotOf = new Array<number>(nCategories).fill(colors);
  top.forEach((c, s) => {
    slotOf[c] = s;
  });
  const slot = new Uint8Array(codes.length);
  const counts = new Array<number>(colors + 2).fill(0);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    const s = c >= 0 && c < nCategories ? slotOf[c]! : colors + 1;
    slot[i] = s;
    counts[s]!++;
  }
  const drawOrder = [colors + 1, colors];
  for (let s = 0; s < colors; s++) drawOrder.push(s);
  const start = new Array<number>(colors + 2).fill(0);
  let at = 0;
  for (const s of drawOrder) {
    start[s] = at;
    at += counts[s]!;
  }
  const order = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) order[start[slot[i]!]!++] = i;
  return { slot, top, counts, order };
}

export interface PointLayout {
  /** per cell, position in CSS pixels of the view; NaN when the 2-D coordinates are not finite */
  x: Float32Array;
  y: Float32Array;
  /** cells with finite coordinates */
  finite: number;
}

/** Fits x0 y0 x1 y1 … into width × height (same scale on both axes, `pad` pixels free, y up). */
export function layoutPoints(xy: Float32Array, width: number, height: number, pad: number): PointLayout {
  const n = xy.length >> 1;
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = xy[2 * i]!,
      b = xy[2 * i + 1]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (a < x0) x0 = a;
    if (a > x1) x1 = a;
    if (b < y0) y0 = b;
    if (b > y1) y1 = b;
  }
  const scale = Math.min((width - 2 * pad) / Math.max(x1 - x0, 1e-12), (height - 2 * pad) / Math.max(y1 - y0, 1e-12));
  const ox = (width - scale * (x1 - x0)) / 2,
    oy = (height - scale * (y1 - y0)) / 2;
  const x = new Float32Array(n),
    y = new Float32Array(n);
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const a = xy[2 * i]!,
      b = xy[2 * i + 1]!;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      x[i] = ox + (a - x0) * scale;
      y[i] = height - (oy + (b - y0) * scale);
      finite++;
    } else {
      x[i] = Number.NaN;
      y[i] = Number.NaN;
    }
  }
  return { x, y, finite };
}

export interface PointGrid {
  cell: number;
  cols: number;
  rows: number;
  /** cells of grid square g are items[start[g] .. start[g + 1]) */
  start: Int32Array;
  items: Int32Array;
}

/** A uniform grid over the view (squares of `cell` pixels) holding every finite point. */
export function buildGrid(x: Float32Array, y: Float32Array, width: number, height: number, cell: number): PointGrid {
  const cols = Math.max(1, Math.ceil(width / cell)),
    rows = Math.max(1, Math.ceil(height / cell));
  const square = (i: number) => {
    if (!(x[i]! >= 0 && y[i]! >= 0)) return -1;
    const c = Math.min(cols - 1, Math.floor(x[i]! / cell)),
      r = Math.min(rows - 1, Math.floor(y[i]! / cell));
    return r * cols + c;
  };
  const start = new Int32Array(cols * rows + 1);
  for (let i = 0; i < x.length; i++) {
    const g = square(i);
    if (g >= 0) start[g + 1]!++;
  }
  for (let g = 0; g < cols * rows; g++) start[g + 1]! += start[g]!;
  const fill = start.slice(0, cols * rows);
  const items = new Int32Array(start[cols * rows]!);
  for (let i = 0; i < x.length; i++) {
    const g = square(i);
    if (g >= 0) items[fill[g]!++] = i;
  }
  return { cell, cols, rows, start, items };
}

/** The point nearest (px, py) within `radius` pixels, or -1. */
export function nearestPoint(
  grid: PointGrid,
  x: Float32Array,
  y: Float32Array,
  px: number,
  py: number,
  radius: number,
): number {
  const c0 = Math.max(0, Math.floor((px - radius) / grid.cell)),
    c1 = Math.min(grid.cols - 1, Math.floor((px + radius) / grid.cell));
  const r0 = Math.max(0, Math.floor((py - radius) / grid.cell)),
    r1 = Math.min(grid.rows - 1, Math.floor((py + radius) / grid.cell));
  let best = -1,
    bestD = radius * radius;
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const g = r * grid.cols + c;
      for (let k = grid.start[g]!; k < grid.start[g + 1]!; k++) {
        const i = grid.items[k]!;
        const d = (x[i]! - px) ** 2 + (y[i]! - py) ** 2;
        if (d <= bestD) {
          bestD = d;
          best = i;
        }
      }
    }
  }
  return best;
}
