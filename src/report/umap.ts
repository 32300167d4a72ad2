/**
 * A UMAP layout (McInnes et al.; umap-learn's defaults: 15 neighbours counting the cell itself,
 * min_dist 0.1, spread 1, negative sample rate 5; 200 epochs at every size, where umap-learn
 * spends 500 below 10,000 cells)
 * from an exact kNN graph: fuzzy simplicial set (σ by binary search to log2(15), ρ = nearest
 * distance), fuzzy union, then seeded SGD with umap-learn's epoch schedule. Initialised from the
 * data's first two principal axes scaled to ±10 (umap-learn uses a spectral layout there).
 */
import { jacobiEigen } from "../numerics/eigen.ts";
import { SeededRandom } from "../numerics/random.ts";

export interface Neighbours {
  k: number;
  /** n × k, self excluded, nearest first */
  indices: Int32Array;
  distances: Float32Array;
}

/** umap-learn's a and b for min_dist 0.1, spread 1 (its curve fit) */
const A = 1.5769434603113077;
const B = 0.8950608779109733;
const NEGATIVE_RATE = 5;

export interface Graph {
  heads: Int32Array;
  tails: Int32Array;
  weights: Float64Array;
}

/** The symmetric fuzzy graph w = a + aᵀ − a∘aᵀ over the first `m` neighbours of every cell. */
export function fuzzyGraph(knn: Neighbours, n: number, m: number): Graph {
  const target = Math.log2(m + 1);
  const directed = new Map<number, number>();
  let meanAll = 0;
  for (let i = 0; i < n * knn.k; i++) meanAll += knn.distances[i]!;
  meanAll /= Math.max(1, n * knn.k);
  for (let i = 0; i < n; i++) {
    const d = knn.distances.subarray(i * knn.k, i * knn.k + m);
    let rho = 0;
    for (const v of d)
      if (v > 0) {
        rho = v;
        break;
      }
    const sigma = smoothSigma(d, rho, target, meanAll);
    for (let j = 0; j < m; j++) {
      const t = knn.indices[i * knn.k + j]!;
      const w = d[j]! - rho <= 0 || sigma === 0 ? 1 : Math.exp(-(d[j]! - rho) / sigma);
      directed.set(i * n + t, w);
    }
  }
  const heads: number[] = [];
  const tails: number[] = [];
  const weights: number[] = [];
  const done = new Set<number>();
  for (const [key, w] of directed) {
    const i = Math.floor(key / n);
    const t = key - i * n;
    if (done.has(key)) continue;
    const back = directed.get(t * n + i) ?? 0;
    done.add(t * n + i);
    const u = w + back - w * back;
    heads.push(i, t);
    tails.push(t, i);
    weights.push(u, u);
  }
  return { heads: Int32Array.from(heads), tails: Int32Array.from(tails), weights: Float64Array.from(weights) };
}

function smoothSigma(d: Float32Array, rho: number, target: number, meanAll: number): number {
  let lo = 0;
  let hi = Infinity;
  let mid = 1;
  for (let it = 0; it < 64; it++) {
    let psum = 0;
    for (const v of d) psum += v - rho > 0 ? Math.exp(-(v - rho) / mid) : 1;
    if (Math.abs(psum - target) < 1e-5) break;
    if (psum > target) {
      hi = mid;
      mid = (lo + hi) / 2;
    } else {
      lo = mid;
      mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
    }
  }
  let mean = 0;
  for (const v of d) mean += v;
  mean /= Math.max(1, d.length);
  const floor = 1e-3 * (rho > 0 ? mean : meanAll);
  return Math.max(mid, floor);
}

/** Lays out the graph in 2-D, starting from `init` (n × 2, changed in place and returned). */
export function layout(graph: Graph, n: number, init: Float32Array, seed: number, epochs?: number): Float32Array {
  const nEpochs = epochs ?? 200;
  let max = 0;
  for (const w of graph.weights) max = Math.max(max, w);
  const keep: number[] = [];
  graph.weights.forEach((w, e) => {
    if (w >= max / nEpochs) keep.push(e);
  });
  const E = keep.length;
  const head = Int32Array.from(keep, (e) => graph.heads[e]!);
  const tail = Int32Array.from(keep, (e) => graph.tails[e]!);
  const perSample = Float64Array.from(keep, (e) => max / graph.weights[e]!);
  const perNegative = perSample.map((v) => v / NEGATIVE_RATE);
  const nextSample = Float64Array.from(perSample);
  const nextNegative = Float64Array.from(perNegative);
  const y = init;
  let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  const { attract, repel } = coefficientTables();
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    const alpha = 1 - epoch / nEpochs;
    for (let e = 0; e < E; e++) {
      if (nextSample[e]! > epoch) continue;
      const j2 = 2 * head[e]!;
      const k2 = 2 * tail[e]!;
      let yjx = y[j2]!;
      let yjy = y[j2 + 1]!;
      let dx = yjx - y[k2]!;
      let dy = yjy - y[k2 + 1]!;
      let d2 = dx * dx + dy * dy;
      if (d2 > 0) {
        f32[0] = d2;
        const c = attract[u32[0]! >>> 13]!;
        let gx = c * dx;
        let gy = c * dy;
        gx = Math.min(4, Math.max(-4, gx)) * alpha;
        gy = Math.min(4, Math.max(-4, gy)) * alpha;
        yjx += gx;
        yjy += gy;
        y[k2]! -= gx;
        y[k2 + 1]! -= gy;
      }
      nextSample[e]! += perSample[e]!;
      const negatives = Math.floor((epoch - nextNegative[e]!) / perNegative[e]!);
      for (let p = 0; p < negatives; p++) {
        // xorshift32: a cheap uniform cell index
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        const o2 = 2 * ((state >>> 0) % n);
        if (o2 === j2) continue;
        dx = yjx - y[o2]!;
        dy = yjy - y[o2 + 1]!;
        d2 = dx * dx + dy * dy;
        if (d2 > 0) {
          f32[0] = d2;
          const c = repel[u32[0]! >>> 13]!;
          const gx = c * dx;
          const gy = c * dy;
          yjx += Math.min(4, Math.max(-4, gx)) * alpha;
          yjy += Math.min(4, Math.max(-4, gy)) * alpha;
        } else {
          yjx += 4 * alpha;
          yjy += 4 * alpha;
        }
      }
      y[j2] = yjx;
      y[j2 + 1] = yjy;
      nextNegative[e]! += negatives * perNegative[e]!;
    }
  }
  return y;
}

let tables: { attract: Float64Array; repel: Float64Array } | undefined;

/**
 * The gradient coefficients of a squared distance, attractive −2ab·d²⁽ᵇ⁻¹⁾/(1 + a·d²ᵇ) and
 * repulsive 2b/((0.001 + d²)(1 + a·d²ᵇ)), tabulated by the top 18 bits of d² as a float32 (its
 * exponent and 10 mantissa bits: 0.05 % relative steps), evaluated at each bucket's middle. A
 * lookup instead of two pow() calls per sample makes the layout several times faster.
 */
function coefficientTables(): { attract: Float64Array; repel: Float64Array } {
  if (tables) return tables;
  const size = 1 << 18;
  const attract = new Float64Array(size);
  const repel = new Float64Array(size);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let k = 0; k < size; k++) {
    u32[0] = (k << 13) | 0x1000;
    const d2 = f32[0]!;
    const pb = d2 ** B;
    attract[k] = Number.isFinite(pb) && d2 > 0 ? (-2 * A * B * pb) / d2 / (1 + A * pb) : 0;
    repel[k] = Number.isFinite(pb) ? (2 * B) / ((0.001 + d2) * (1 + A * pb)) : 0;
  }
  tables = { attract, repel };
  return tables;
}

/** The first two principal axes of x (n × d), scaled so the largest |coordinate| is 10, plus tiny noise. */
export function principalInit(x: Float32Array, n: number, d: number, seed: number): Float32Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[a * d + b]! += row[a]! * row[b]!;
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a]!;
  const eig = jacobiEigen(cov, d);
  const out = new Float32Array(2 * n);
  let maxAbs = 0;
  for (let i = 0; i < n; i++)
    for (let c = 0; c < Math.min(2, d); c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j]! - mean[j]!) * eig.vectors[j * d + c]!;
      out[2 * i + c] = s;
      maxAbs = Math.max(maxAbs, Math.abs(s));
    }
  const rng = new SeededRandom(seed ^ 0x5eed);
  const scale = maxAbs > 0 ? 10 / maxAbs : 1;
  for (let i = 0; i < 2 * n; i++) out[i] = out[i]! * scale + rng.normal() * 1e-4;
  return out;
}
