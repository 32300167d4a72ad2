/** Symmetric tridiagonal eigenproblems: all eigenvalues by implicit QL, chosen eigenvectors by inverse iteration. */

/** Eigenvalues of the symmetric tridiagonal matrix (diagonal d, off-diagonal e[i] = T[i, i+1]), ascending. */
export function tridiagonalEigenvalues(diag: Float64Array, off: Float64Array): Float64Array {
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  e.set(off.subarray(0, n - 1));
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (iter > 60) throw new Error("tridiagonal QL did not converge");
      // Wilkinson-like shift from the leading 2×2 block
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1,
        c = 1,
        p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i]!,
          b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1]! -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l]! -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return d.sort();
}

/**
 * Unit eigenvector of T for eigenvalue `lambda` by inverse iteration (tridiagonal LU with partial
 * pivoting), orthogonalized against `previous` (for close eigenvalues).
 */
export function tridiagonalEigenvector(
  diag: Float64Array,
  off: Float64Array,
  lambda: number,
  previous: Float64Array[],
  seed: number,
): Float64Array {
  const n = diag.length;
  const scale = Math.max(...Array.from(diag, Math.abs), ...Array.from(off.subarray(0, n - 1), Math.abs), 1e-300);
  const tiny = Number.EPSILON * scale;
  // LU of (T − λI) with partial pivoting: rows may swap with the next, giving a second super-diagonal
  const a = new Float64Array(n),
    b = new Float64Array(n),
    c = new Float64Array(n),
    l = new Float64Array(n);
  const swapped = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = diag[i]! - lambda;
    b[i] = i < n - 1 ? off[i]! : 0; // super-diagonal
  }
  let sub = n > 1 ? off[0]! : 0; // sub-diagonal entry below the current pivot
  for (let i = 0; i < n - 1; i++) {
    const next = { a: a[i + 1]!, b: b[i + 1]! };
    if (Math.abs(a[i]!) >= Math.abs(sub)) {
      if (a[i] === 0) a[i] = tiny;
      l[i] = sub / a[i]!;
      a[i + 1] = next.a - l[i]! * b[i]!;
      c[i] = 0;
    } else {
      swapped[i] = 1;
      l[i] = a[i]! / sub;
      a[i] = sub;
      const bi = b[i]!;
      b[i] = next.a;
      c[i] = next.b;
      a[i + 1] = bi - l[i]! * next.a;
      b[i + 1] = -l[i]! * next.b;
    }
    sub = i + 1 < n - 1 ? off[i + 1]! : 0;
  }
  if (a[n - 1] === 0) a[n - 1] = tiny;
  for (let i = 0; i < n; i++) if (Math.abs(a[i]!) < tiny) a[i] = tiny;

  let x = Float64Array.from({ length: n }, (_, i) => 1 + 0.25 * Math.sin(seed * 7.31 + i * 1.93));
  for (let iter = 0; iter < 4; iter++) {
    // forward: apply the row swaps and multipliers
    const y = Float64Array.from(x);
    for (let i = 0; i < n - 1; i++) {
      if (swapped[i]) {
        const t = y[i]!;
        y[i] = y[i + 1]!;
        y[i + 1] = t - l[i]! * y[i]!;
      } else {
        y[i + 1]! -= l[i]! * y[i]!;
      }
    }
    // back substitution with U (diagonal a, super b, second super c)
    for (let i = n - 1; i >= 0; i--) {
      let v = y[i]!;
      if (i + 1 < n) v -= b[i]! * y[i + 1]!;
      if (i + 2 < n) v -= c[i]! * y[i + 2]!;
      y[i] = v / a[i]!;
    }
    for (const p of previous) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += p[i]! * y[i]!;
      for (let i = 0; i < n; i++) y[i]! -= dot * p[i]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += y[i]! * y[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) y[i]! /= norm;
    x = y;
  }
  return x;
}
