/** Numeric kernels against plain references: eigen solvers, Gram accumulation, sparse × dense. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { jacobiEigen, topEigen } from "../src/numerics/eigen.ts";
import { addGram, covariance, emptyGram } from "../src/numerics/gram.ts";
import { ParallelGram } from "../src/numerics/parallel-gram.ts";
import { denseToCsr } from "../src/numerics/csr.ts";
import { csrTimesDense } from "../src/numerics/sparse-dense.ts";
import { tridiagonalEigenvalues } from "../src/numerics/tridiagonal.ts";
import { expectClose } from "./helpers/expect-close.ts";

function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** A = Σ_j λ_j u_j u_jᵀ with a decaying spectrum (like single-cell covariances) plus noise. */
function spdMatrix(n: number, seed: number): Float64Array {
  const rand = rng(seed);
  const rows = 3 * n;
  const X = Float64Array.from({ length: rows * n }, (_, i) => (rand() - 0.5) * (1 + 20 / (1 + (i % n))));
  const C = new Float64Array(n * n);
  for (let r = 0; r < rows; r++)
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) C[a * n + b]! += (X[r * n + a]! * X[r * n + b]!) / rows;
  return C;
}

test("Lanczos top-k equals Jacobi's full decomposition on a 300×300 covariance", () => {
  const n = 300,
    k = 20;
  const C = spdMatrix(n, 7);
  const full = jacobiEigen(C, n);
  const top = topEigen(C, n, k);
  expectClose(top.values, full.values.slice(0, k), { rtol: 1e-9, label: "eigenvalues" });
  for (let j = 0; j < k; j++) {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += top.vectors[i * k + j]! * full.vectors[i * n + j]!;
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `vector ${j}: |cos| = ${Math.abs(dot)}`);
  }
  assert.ok(top.residual <= 1e-8, `residual ${top.residual}`);
});

test("tridiagonal QL eigenvalues equal Jacobi's", () => {
  const n = 60,
    rand = rng(3);
  const d = Float64Array.from({ length: n }, () => rand() * 4 - 2),
    e = Float64Array.from({ length: n }, () => rand() - 0.5);
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    T[i * n + i] = d[i]!;
    if (i + 1 < n) T[i * n + i + 1] = T[(i + 1) * n + i] = e[i]!;
  }
  const expected = Float64Array.from(jacobiEigen(T, n).values).sort();
  expectClose(tridiagonalEigenvalues(d, e), expected, { atol: 1e-12, label: "eigenvalues" });
});

test("Gram of sparse blocks (serial and on worker threads) equals the dense AᵀA; covariance ddof 1", async () => {
  const rows = 500,
    cols = 40,
    rand = rng(11);
  const dense = Float32Array.from({ length: rows * cols }, () => (rand() < 0.2 ? Math.fround(rand() * 5) : 0));
  const posOf = Int32Array.from({ length: cols }, (_, c) => (c % 4 === 3 ? -1 : c - Math.floor(c / 4)));
  const P = 30;
  const serial = emptyGram(P);
  const parallel = new ParallelGram(P, 2);
  for (let r0 = 0; r0 < rows; r0 += 64) {
    const r1 = Math.min(rows, r0 + 64);
    addGram(serial, denseToCsr(dense.subarray(r0 * cols, r1 * cols), r1 - r0, cols), posOf);
    await parallel.add(denseToCsr(dense.subarray(r0 * cols, r1 * cols), r1 - r0, cols), posOf);
  }
  const fromThreads = await parallel.finish();
  const { cov, means } = covariance(serial);
  const expectedMeans = new Float64Array(P),
    expectedCov = new Float64Array(P * P);
  for (let c = 0; c < cols; c++)
    if (posOf[c]! >= 0) for (let r = 0; r < rows; r++) expectedMeans[posOf[c]!]! += dense[r * cols + c]! / rows;
  for (let a = 0; a < cols; a++)
    for (let b = 0; b < cols; b++) {
      const pa = posOf[a]!,
        pb = posOf[b]!;
      if (pa < 0 || pb < 0) continue;
      let s = 0;
      for (let r = 0; r < rows; r++)
        s += (dense[r * cols + a]! - expectedMeans[pa]!) * (dense[r * cols + b]! - expectedMeans[pb]!);
      expectedCov[pa * P + pb] = s / (rows - 1);
    }
  expectClose(means, expectedMeans, { atol: 1e-12, label: "means" });
  expectClose(cov, expectedCov, { atol: 1e-10, label: "covariance" });
  expectClose(covariance(fromThreads).cov, expectedCov, { atol: 1e-10, label: "covariance from worker threads" });
});

test("sparse × dense projection with bias equals the dense product", () => {
  const rows = 7,
    cols = 9,
    K = 3,
    rand = rng(5);
  const dense = Float32Array.from({ length: rows * cols }, () => (rand() < 0.4 ? Math.fround(rand()) : 0));
  const rowOf = Int32Array.from({ length: cols }, (_, c) => (c === 4 ? -1 : c > 4 ? c - 1 : c));
  const W = Float64Array.from({ length: 8 * K }, () => rand() - 0.5);
  const bias = Float64Array.from([0.5, -1, 2]);
  const out = new Float32Array(rows * K);
  csrTimesDense(denseToCsr(dense, rows, cols), rowOf, W, K, bias, out);
  const expected = new Float32Array(rows * K);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < K; j++) {
      let s = bias[j]!;
      for (let c = 0; c < cols; c++) if (rowOf[c]! >= 0) s += dense[r * cols + c]! * W[rowOf[c]! * K + j]!;
      expected[r * K + j] = s;
    }
  expectClose(out, expected, { atol: 1e-6, label: "projection" });
});
