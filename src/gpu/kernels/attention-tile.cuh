// One tile's work in attention-sm90.cu (included after its defines: BK, LAZY, HEAD_DIM, ROW_BYTES,
// TILE_BYTES, and hopper.cuh): a consumer warpgroup's rows, issuing its two products, masking the
// keys past the length, the online softmax and P's bf16 layout.
#if BK == 128
#define wgmma_scores wgmma_ss_n128
#else
#define wgmma_scores wgmma_ss_n64
#endif

// One consumer warpgroup's state: 64 query rows; this thread holds rows g and g + 8 of its warp's 16.
struct Rows {
  float o[HEAD_DIM / 2];  // 8-column chunk j: o[4j], o[4j+1] row g; o[4j+2], o[4j+3] row g+8
  float m0, m1, l0, l1;   // running max (log2 units) and sum of each row
};

// S = Q·Kᵀ for one tile, issued (not waited): 8-key chunk j holds s[4j..4j+3] as o above
__device__ __forceinline__ void issue_scores(float* s, unsigned qa, unsigned kb) {
  wgmma_fence();
#pragma unroll
  for (int k = 0; k < HEAD_DIM / 16; k++) wgmma_scores(s, operand(qa + 32 * k), operand(kb + 32 * k), k);
  wgmma_commit();
}

// Zeroes the V rows of keys ≥ L in the tile at kv0 (padding rows: whatever they hold must not reach
// O; each row keeps its 128 bytes under the swizzle).
__device__ __forceinline__ void zero_v_tail(unsigned vb, int kv0, int L, int tid, int wg) {
  for (unsigned a = vb + (L - kv0) * ROW_BYTES + tid * 16; a < vb + TILE_BYTES; a += 128 * 16)
    asm volatile("st.shared.v4.u32 [%0], {%1, %1, %1, %1};" ::"r"(a), "r"(0u) : "memory");
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  asm volatile("bar.sync %0, 128;" ::"r"(1 + wg) : "memory");
}

// Masks the scores of the tile's keys ≥ L (the tile's first key: k0).
__device__ __forceinline__ void mask_keys(float* s, int k0, int L, int t4) {
  const float NEG_INF = __int_as_float(0xff800000);
#pragma unroll
  for (int j = 0; j < BK / 8; j++) {
#pragma unroll
    for (int e = 0; e < 2; e++) {
      if (k0 + j * 8 + 2 * t4 + e >= L) s[4 * j + e] = s[4 * j + 2 + e] = NEG_INF;
    }
  }
}

// Masks keys ≥ L in the tile at kv0 and zeroes their V rows.
__device__ __forceinline__ void mask_tail(float* s, int kv0, int L, unsigned vb, int t4, int tid, int wg) {
  mask_keys(s, kv0, L, t4);
  zero_v_tail(vb, kv0, L, tid, wg);
}

// Online softmax of one tile's scores, in place: s becomes the exponentials (P before rounding),
// the running max and sum move; O must then be multiplied by the returned factors where `up`.
struct Rescale {
  float alpha0, alpha1;
  bool up;
};
__device__ __forceinline__ Rescale softmax(float* s, Rows& r, float scaleLog2) {
  const float NEG_INF = __int_as_float(0xff800000);
  float mx0 = NEG_INF, mx1 = NEG_INF;
#pragma unroll
  for (int j = 0; j < BK / 8; j++) {
    mx0 = fmaxf(mx0, fmaxf(s[4 * j], s[4 * j + 1]));
    mx1 = fmaxf(mx1, fmaxf(s[4 * j + 2], s[4 * j + 3]));
  }
  mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
  mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
  mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
  mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
#if LAZY
  const float c0 = mx0 * scaleLog2, c1 = mx1 * scaleLog2;
  const bool up = c0 > r.m0 + 8.f || c1 > r.m1 + 8.f;
  const float n0 = c0 > r.m0 + 8.f ? c0 : r.m0, n1 = c1 > r.m1 + 8.f ? c1 : r.m1;
#else
  const bool up = true;
  const float n0 = fmaxf(r.m0, mx0 * scaleLog2), n1 = fmaxf(r.m1, mx1 * scaleLog2);
#endif
  // exactly 1 where the max stays (O and l then keep their scale)
  const float alpha0 = n0 == r.m0 ? 1.f : fast_exp2(r.m0 - n0), alpha1 = n1 == r.m1 ? 1.f : fast_exp2(r.m1 - n1);
  r.m0 = n0;
  r.m1 = n1;
  float sum0 = 0.f, sum1 = 0.f;
#pragma unroll
  for (int j = 0; j < BK / 8; j++) {
    s[4 * j] = fast_exp2(fmaf(s[4 * j], scaleLog2, -n0));
    s[4 * j + 1] = fast_exp2(fmaf(s[4 * j + 1], scaleLog2, -n0));
    s[4 * j + 2] = fast_exp2(fmaf(s[4 * j + 2], scaleLog2, -n1));
    s[4 * j + 3] = fast_exp2(fmaf(s[4 * j + 3], scaleLog2, -n1));
    sum0 += s[4 * j] + s[4 * j + 1];
    sum1 += s[4 * j + 2] + s[4 * j + 3];
  }
  r.l0 = r.l0 * alpha0 + sum0;
  r.l1 = r.l1 * alpha1 + sum1;
  return {alpha0, alpha1, up};
}

__device__ __forceinline__ void rescale(Rows& r, const Rescale& c) {
  if (!c.up) return;
#pragma unroll
  for (int j = 0; j < HEAD_DIM / 8; j++) {
    r.o[4 * j] *= c.alpha0;
    r.o[4 * j + 1] *= c.alpha0;
    r.o[4 * j + 2] *= c.alpha1;
    r.o[4 * j + 3] *= c.alpha1;
  }
}

// P (bf16, the A-operand layout of the next product) from the tile's exponentials
__device__ __forceinline__ void pack_p(const float* e, unsigned (*p)[4]) {
#pragma unroll
  for (int j = 0; j < BK / 8; j++) {
    p[j / 2][(j & 1) * 2] = pack2(e[4 * j], e[4 * j + 1]);
    p[j / 2][(j & 1) * 2 + 1] = pack2(e[4 * j + 2], e[4 * j + 3]);
  }
}

// O += P·V for one tile, issued (not waited)
__device__ __forceinline__ void issue_pv(Rows& r, unsigned (*p)[4], unsigned vb) {
  wgmma_fence();
#pragma unroll
  for (int k = 0; k < BK / 16; k++) wgmma_rs_n64_tb(r.o, p[k], operand(vb + k * 16 * ROW_BYTES));
  wgmma_commit();
}
