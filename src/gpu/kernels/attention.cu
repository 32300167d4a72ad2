// Multi-head self-attention, fused (flash-attention style): softmax(Q·Kᵀ/√D + mask)·V without
// materializing the T×T scores. qkv is B×T×3H bf16 (the fused Q|K|V projection), out B×T×H.
// Keys at positions ≥ lengths[b] are masked and query rows past the length are written as zeros.
// One block = BQ queries of one head of one cell, BQ/16 warps of 16 query rows each. Key/value
// tiles of 64 rows are copied into shared memory asynchronously (cp.async), two stages deep, so
// the next tile loads while this one is used; the products run on the tensor cores (mma.sync
// m16n8k16, bf16 in, float32 accumulate; operands through ldmatrix, V transposed by it) with an
// online softmax in registers. HEAD_DIM (a multiple of 16) and BQ are compile-time constants.
// grid: (ceil(queries/BQ), heads, B); block: 2·BQ threads.
#ifndef HEAD_DIM
#define HEAD_DIM 64
#endif
#ifndef BQ
#define BQ 64
#endif
#define BK 64
#define KSTEPS (HEAD_DIM / 16)
#define NT (HEAD_DIM / 8)
#define LDK (HEAD_DIM + 8)
#define THREADS (BQ * 2)

__device__ __forceinline__ unsigned smem(const void* p) {
  unsigned a;
  asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(a) : "l"(p));
  return a;
}
__device__ __forceinline__ void copy16(unsigned dst, const void* src, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(dst), "l"(src), "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void ldsm4(unsigned* r, unsigned addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];" : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}
__device__ __forceinline__ void ldsm4t(unsigned* r, unsigned addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];" : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}
__device__ __forceinline__ void mma16816(float* c, const unsigned* a, unsigned b0, unsigned b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}

extern "C" __global__ void __launch_bounds__(THREADS) attention(const bf16* qkv, const int* lengths, bf16* out, int T, int H, float scaleLog2) {
  __shared__ alignas(16) bf16 Ks[2][BK * LDK];
  __shared__ alignas(16) bf16 Vs[2][BK * LDK];
  const int b = blockIdx.z, head = blockIdx.y, q0 = blockIdx.x * BQ;
  const int L = lengths[b];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t4 = lane & 3;
  const size_t ld = 3 * (size_t)H;
  const bf16* Q = qkv + (size_t)b * T * ld + head * HEAD_DIM;
  const bf16* K = Q + H;
  const bf16* V = Q + 2 * H;
  bf16* O = out + (size_t)b * T * H + head * HEAD_DIM;

  if (q0 >= L) return zero_rows(O, q0, BQ, HEAD_DIM, T, H, THREADS);

  const unsigned ks0 = smem(&Ks[0][0]), vs0 = smem(&Vs[0][0]);
  const unsigned stage = BK * LDK * 2;
  auto load = [&](int kv0, int buf) {
    for (int i = threadIdx.x; i < BK * (HEAD_DIM / 8); i += THREADS) {
      const int r = i / (HEAD_DIM / 8), c = (i % (HEAD_DIM / 8)) * 8, key = kv0 + r;
      const bool valid = key < L;
      const size_t off = (size_t)(valid ? key : 0) * ld + c;
      const unsigned dst = (r * LDK + c) * 2 + buf * stage;
      copy16(ks0 + dst, K + off, valid);
      copy16(vs0 + dst, V + off, valid);
    }
    asm volatile("cp.async.commit_group;");
  };
  load(0, 0);

  const int r0 = q0 + warp * 16 + g, r1 = r0 + 8;
  unsigned qa[KSTEPS][4];
#pragma unroll
  for (int s = 0; s < KSTEPS; s++) {
    const int c = s * 16 + 2 * t4;
    qa[s][0] = r0 < T ? *(const unsigned*)(Q + (size_t)r0 * ld + c) : 0u;
    qa[s][1] = r1 < T ? *(const unsigned*)(Q + (size_t)r1 * ld + c) : 0u;
    qa[s][2] = r0 < T ? *(const unsigned*)(Q + (size_t)r0 * ld + c + 8) : 0u;
    qa[s][3] = r1 < T ? *(const unsigned*)(Q + (size_t)r1 * ld + c + 8) : 0u;
  }

  const float NEG_INF = __int_as_float(0xff800000);
  float o[NT][4];
#pragma unroll
  for (int j = 0; j < NT; j++) o[j][0] = o[j][1] = o[j][2] = o[j][3] = 0.f;
  float m0 = NEG_INF, m1 = NEG_INF, l0 = 0.f, l1 = 0.f;
  // ldmatrix row addresses: lane feeds row (lane & 7) of matrix (lane >> 3)
  const int mrow = lane & 7, mat = lane >> 3;

  const int tiles = (L + BK - 1) / BK;
  for (int it = 0; it < tiles; it++) {
    const int kv0 = it * BK, buf = it & 1;
    if (it + 1 < tiles) load(kv0 + BK, buf ^ 1);
    else asm volatile("cp.async.commit_group;");
    asm volatile("cp.async.wait_group 1;");
    __syncthreads();
    const unsigned kb = ks0 + buf * stage, vb = vs0 + buf * stage;

    float s[BK / 8][4];
#pragma unroll
    for (int j = 0; j < BK / 8; j++) s[j][0] = s[j][1] = s[j][2] = s[j][3] = 0.f;
#pragma unroll
    for (int ks = 0; ks < KSTEPS; ks++) {
#pragma unroll
      for (int jp = 0; jp < BK / 16; jp++) {
        unsigned r[4];
        ldsm4(r, kb + (((2 * jp + (mat >> 1)) * 8 + mrow) * LDK + ks * 16 + (mat & 1) * 8) * 2);
        mma16816(s[2 * jp], qa[ks], r[0], r[1]);
        mma16816(s[2 * jp + 1], qa[ks], r[2], r[3]);
      }
    }

    if (kv0 + BK > L) {
#pragma unroll
      for (int j = 0; j < BK / 8; j++) {
#pragma unroll
        for (int e = 0; e < 2; e++) {
          if (kv0 + j * 8 + 2 * t4 + e >= L) s[j][e] = s[j][2 + e] = NEG_INF;
        }
      }
    }
    float mx0 = NEG_INF, mx1 = NEG_INF;
#pragma unroll
    for (int j = 0; j < BK / 8; j++) {
      mx0 = fmaxf(mx0, fmaxf(s[j][0], s[j][1]));
      mx1 = fmaxf(mx1, fmaxf(s[j][2], s[j][3]));
    }
    mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
    mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
    mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
    mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
    const float n0 = fmaxf(m0, mx0 * scaleLog2), n1 = fmaxf(m1, mx1 * scaleLog2);
    const float alpha0 = fast_exp2(m0 - n0), alpha1 = fast_exp2(m1 - n1);
    m0 = n0;
    m1 = n1;
    float sum0 = 0.f, sum1 = 0.f;
#pragma unroll
    for (int j = 0; j < BK / 8; j++) {
      s[j][0] = fast_exp2(fmaf(s[j][0], scaleLog2, -n0));
      s[j][1] = fast_exp2(fmaf(s[j][1], scaleLog2, -n0));
      s[j][2] = fast_exp2(fmaf(s[j][2], scaleLog2, -n1));
      s[j][3] = fast_exp2(fmaf(s[j][3], scaleLog2, -n1));
      sum0 += s[j][0] + s[j][1];
      sum1 += s[j][2] + s[j][3];
    }
    l0 = l0 * alpha0 + sum0;
    l1 = l1 * alpha1 + sum1;
#pragma unroll
    for (int j = 0; j < NT; j++) {
      o[j][0] *= alpha0;
      o[j][1] *= alpha0;
      o[j][2] *= alpha1;
      o[j][3] *= alpha1;
    }

#pragma unroll
    for (int ks = 0; ks < BK / 16; ks++) {
      const unsigned pa[4] = {pack2(s[2 * ks][0], s[2 * ks][1]), pack2(s[2 * ks][2], s[2 * ks][3]), pack2(s[2 * ks + 1][0], s[2 * ks + 1][1]),
                              pack2(s[2 * ks + 1][2], s[2 * ks + 1][3])};
#pragma unroll
      for (int jp = 0; jp < NT / 2; jp++) {
        unsigned r[4];
        ldsm4t(r, vb + ((ks * 16 + (mat & 1) * 8 + mrow) * LDK + (2 * jp + (mat >> 1)) * 8) * 2);
        mma16816(o[2 * jp], pa, r[0], r[1]);
        mma16816(o[2 * jp + 1], pa, r[2], r[3]);
      }
    }
    __syncthreads();
  }

  l0 += __shfl_xor_sync(0xffffffffu, l0, 1);
  l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
  l1 += __shfl_xor_sync(0xffffffffu, l1, 1);
  l1 += __shfl_xor_sync(0xffffffffu, l1, 2);
  const float inv0 = 1.f / l0, inv1 = 1.f / l1;
#pragma unroll
  for (int j = 0; j < NT; j++) {
    const int c = j * 8 + 2 * t4;
    if (r0 < T) *(unsigned*)(O + (size_t)r0 * H + c) = r0 < L ? pack2(o[j][0] * inv0, o[j][1] * inv0) : 0u;
    if (r1 < T) *(unsigned*)(O + (size_t)r1 * H + c) = r1 < L ? pack2(o[j][2] * inv1, o[j][3] * inv1) : 0u;
  }
}
