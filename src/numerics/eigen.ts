/**
 * Top eigenpairs of a symmetric positive semi-definite matrix (a covariance): cyclic Jacobi for
 * small matrices, Lanczos with full reorthogonalization (then Jacobi on the tridiagonal) for
 * large ones, restarted with more steps until every wanted pair's residual is tiny.
 */

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
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!, akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!, aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!, vkq = V[k * n + q]!;
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

/** Top-k eigenpairs of a dense symmetric n×n matrix. Deterministic (fixed start vector). */
export function topEigen(C: Float64Array, n: number, k: number): Eigen {
  if (n <= 400) return truncate(jacobiEigen(C, n), k);
  let steps = Math.min(n, Math.max(3 * k, k + 100));
  for (;;) {
    const result = lanczos(C, n, k, steps);
    if (result.converged || steps === n) return result.eigen;
    steps = Math.min(n, steps * 2);
  }
}

function truncate(e: Eigen, k: number): Eigen {
  const vectors = new Float64Array(e.n * k);
  for (let r = 0; r < e.n; r++) for (let j = 0; j < k; j++) vectors[r * k + j] = e.vectors[r * e.n + j]!;
  return { values: e.values.slice(0, k), vectors, n: e.n, k };
}

function lanczos(C: Float64Array, n: number, k: number, m: number): { eigen: Eigen; converged: boolean } {
  const Q = new Float64Array(m * n); // rows are the Lanczos vectors
  const alpha = new Float64Array(m), beta = new Float64Array(m);
  let q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = 1 / Math.sqrt(n) * (1 + 0.5 * Math.sin(i + 1)); // fixed, generic start
  normalize(q);
  const w = new Float64Array(n);
  let used = m;
  for (let j = 0; j < m; j++) {
    Q.set(q, j * n);
    symv(C, n, q, w);
    alpha[j] = dot(w, q);
    // full reorthogonalization, twice for stability
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i <= j; i++) {
        const qi = Q.subarray(i * n, (i + 1) * n);
        const d = dot(w, qi);
        for (let t = 0; t < n; t++) w[t]! -= d * qi[t]!;
      }
    }
    const b = Math.sqrt(dot(w, w));
    if (j + 1 < m) {
      if (b < 1e-12) {
        used = j + 1;
        break;
      }
      beta[j] = b;
      q = Float64Array.from(w, (v) => v / b);
    }
  }
  const T = new Float64Array(used * used);
  for (let i = 0; i < used; i++) {
    T[i * used + i] = alpha[i]!;
    if (i + 1 < used) T[i * used + i + 1] = T[(i + 1) * used + i] = beta[i]!;
  }
  const small = jacobiEigen(T, used);
  const kk = Math.min(k, used);
  const vectors = new Float64Array(n * kk);
  for (let j = 0; j < kk; j++) {
    for (let i = 0; i < used; i++) {
      const s = small.vectors[i * used + j]!;
      if (s === 0) continue;
      for (let t = 0; t < n; t++) vectors[t * kk + j]! += s * Q[i * n + t]!;
    }
  }
  // residual check: ||C v − λ v|| ≤ 1e-10 · λ_max
  let converged = true;
  const v = new Float64Array(n), cv = new Float64Array(n);
  for (let j = 0; j < kk && converged; j++) {
    for (let t = 0; t < n; t++) v[t] = vectors[t * kk + j]!;
    symv(C, n, v, cv);
    let r = 0;
    for (let t = 0; t < n; t++) r += (cv[t]! - small.values[j]! * v[t]!) ** 2;
    if (Math.sqrt(r) > 1e-10 * Math.max(1e-300, small.values[0]!)) converged = false;
  }
  return { eigen: { values: small.values.slice(0, kk), vectors, n, k: kk }, converged };
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
