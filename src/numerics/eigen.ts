/**
 * Top eigenpairs of a symmetric positive semi-definite matrix (a covariance): cyclic Jacobi for
 * small matrices, Lanczos with full reorthogonalization for large ones (the tridiagonal solved by
 * implicit QL and inverse iteration), stopped when every wanted pair's residual is tiny.
 */
import { tridiagonalEigenvalues, tridiagonalEigenvector } from "./tridiagonal.ts";

export interface Eigen {
  /** descending */
  values: Float64Array;
  /** n × k, column j is the j-th eigenvector (row-major storage) */
  vectors: Float64Array;
  n: number;
  k: number;
}

/** All eigenpairs of a small dense symmetric matrix (row-major n×n), descending. */
export function jacobiEigen(a: Float64Array, n: number): Eigen {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!,
            akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!,
            aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!,
            vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => A[y * n + y]! - A[x * n + x]!);
  const values = Float64Array.from(order, (i) => A[i * n + i]!);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let j = 0; j < n; j++) vectors[r * n + j] = V[r * n + order[j]!]!;
  return { values, vectors, n, k: n };
}

/** y = C x for a dense symmetric row-major matrix. */
function symv(C: Float64Array, n: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const base = i * n;
    for (let j = 0; j < n; j++) s += C[base + j]! * x[j]!;
    y[i] = s;
  }
}

/** ‖Cv − λv‖ ≤ TOLERANCE·λ₁ for every returned pair: eigenvectors good to ~1e-8 / relative gap. */
const TOLERANCE = 1e-8;

export interface TopEigen extends Eigen {
  /** the largest ‖Cv − λv‖ / λ₁ of the returned pairs */
  residual: number;
  steps: number;
}

/**
 * Top-k eigenpairs of a dense symmetric n×n matrix. Deterministic (fixed start vector).
 * Lanczos with full reorthogonalization; every 20 steps the Ritz residuals |β_j·s_j| are checked
 * and the iteration stops once every wanted pair has ‖Cv − θv‖ ≤ TOLERANCE·θ₁ (or at n steps).
 */
export function topEigen(C: Float64Array, n: number, k: number): TopEigen {
  if (n <= 200) return { ...truncate(jacobiEigen(C, n), k), residual: 0, steps: n };
  return lanczos(C, n, k);
}

function truncate(e: Eigen, k: number): Eigen {
  const vectors = new Float64Array(e.n * k);
  for (let r = 0; r < e.n; r++) for (let j = 0; j < k; j++) vectors[r * k + j] = e.vectors[r * e.n + j]!;
  return { values: e.values.slice(0, k), vectors, n: e.n, k };
}

/** Ritz values (descending) and the top-kk Ritz vectors of the j-step tridiagonal, with their residual. */
function ritz(alpha: Float64Array, beta: Float64Array, j: number, kk: number, lastBeta: number) {
  const d = alpha.slice(0, j),
    e = beta.slice(0, j);
  const values = tridiagonalEigenvalues(d, e).reverse();
  const small: Float64Array[] = [];
  let residual = 0;
  for (let i = 0; i < kk; i++) {
    const s = tridiagonalEigenvector(d, e, values[i]!, small, i + 1);
    small.push(s);
    residual = Math.max(residual, Math.abs(lastBeta * s[j - 1]!) / Math.max(1e-300, values[0]!));
  }
  return { values, small, residual };
}

function lanczos(C: Float64Array, n: number, k: number): TopEigen {
  const Q: Float64Array[] = []; // the Lanczos vectors
  const alpha = new Float64Array(n),
    beta = new Float64Array(n);
  let q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = 1 + 0.5 * Math.sin(i + 1); // fixed, generic start
  normalize(q);
  const w = new Float64Array(n);
  let result: ReturnType<typeof ritz> | undefined;
  let used = 0;
  for (let j = 0; j < n; j++) {
    Q.push(q);
    symv(C, n, q, w);
    alpha[j] = dot(w, q);
    // full reorthogonalization, twice for stability
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i <= j; i++) {
        const qi = Q[i]!;
        const d = dot(w, qi);
        for (let t = 0; t < n; t++) w[t]! -= d * qi[t]!;
      }
    }
    const b = Math.sqrt(dot(w, w));
    used = j + 1;
    const invariant = b < 1e-12 * Math.max(1e-300, Math.abs(alpha[0]!));
    if (invariant || used === n || (used >= k + 20 && (used - k) % 20 === 0)) {
      result = ritz(alpha, beta, used, Math.min(k, used), invariant ? 0 : b);
      if (invariant || used === n || result.residual <= TOLERANCE) break;
    }
    beta[j] = b;
    q = Float64Array.from(w, (v) => v / b);
  }
  const { values, small, residual } = result!;
  const kk = small.length;
  const vectors = new Float64Array(n * kk);
  for (let j = 0; j < kk; j++) {
    const s = small[j]!;
    for (let i = 0; i < used; i++) {
      const si = s[i]!;
      if (si === 0) continue;
      const qi = Q[i]!;
      for (let t = 0; t < n; t++) vectors[t * kk + j]! += si * qi[t]!;
    }
  }
  return { values: values.slice(0, kk), vectors, n, k: kk, residual, steps: used };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function normalize(v: Float64Array): void {
  const s = Math.sqrt(dot(v, v));
  for (let i = 0; i < v.length; i++) v[i]! /= s;
}
