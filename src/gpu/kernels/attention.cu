// Multi-head self-attention, fused (flash-attention style): softmax(Q·Kᵀ/√D + mask)·V without
// materializing the T×T scores. qkv is B×T×3H bf16 (the fused Q|K|V projection), out B×T×H.
// Keys at positions ≥ lengths[b] are masked and query rows past the length are written as zeros.
// One block = 64 queries of one head of one cell, 4 warps of 16 query rows each; key tiles of 64
// are staged in shared memory (V transposed), and the products run on the tensor cores
// (mma.sync m16n8k16, bf16 in, float32 accumulate) with an online softmax in registers.
// HEAD_DIM (a multiple of 16) is fixed at compile time. grid: (ceil(T/64), heads, B); block: 128.
#ifndef HEAD_DIM
#define HEAD_DIM 64
#endif
#define BQ 64
#define BK 64
#define KSTEPS (HEAD_DIM / 16)
#define NT (HEAD_DIM / 8)
#define LDK (HEAD_DIM + 8)
#define LDV (BK + 8)

__device__ __forceinline__ void mma16816(float* c, const unsigned* a, unsigned b0, unsigned b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

extern "C" __global__ void __launch_bounds__(128) attention(const bf16* qkv, const int* lengths, bf16* out, int T, int H, float scaleLog2) {
  __shared__ alignas(16) bf16 Ks[BK * LDK];
  __shared__ alignas(16) bf16 Vt[HEAD_DIM * LDV];
  const int b = blockIdx.z, head = blockIdx.y, q0 = blockIdx.x * BQ;
  const int L = lengths[b];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t4 = lane & 3;
  const size_t ld = 3 * (size_t)H;
  const bf16* base = qkv + (size_t)b * T * ld + head * HEAD_DIM;
  const bf16* Q = base;
  const bf16* K = base + H;
  const bf16* V = base + 2 * H;
  bf16* O = out + (size_t)b * T * H + head * HEAD_DIM;

  if (q0 >= L) {
    for (int i = threadIdx.x; i < BQ * (HEAD_DIM / 2); i += blockDim.x) {
      const int r = q0 + i / (HEAD_DIM / 2), c = (i % (HEAD_DIM / 2)) * 2;
      if (r < T) *(unsigned*)(O + (size_t)r * H + c) = 0u;
    }
    return;
  }

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

  for (int kv0 = 0; kv0 < L; kv0 += BK) {
    __syncthreads();
    for (int i = threadIdx.x; i < BK * (HEAD_DIM / 8); i += blockDim.x) {
      const int r = i / (HEAD_DIM / 8), c = (i % (HEAD_DIM / 8)) * 8, key = kv0 + r;
      u4 kx = {0u, 0u, 0u, 0u}, vx = {0u, 0u, 0u, 0u};
      if (key < L) {
        kx = *(const u4*)(K + (size_t)key * ld + c);
        vx = *(const u4*)(V + (size_t)key * ld + c);
      }
      *(u4*)(Ks + r * LDK + c) = kx;
      const unsigned w[4] = {vx.x, vx.y, vx.z, vx.w};
#pragma unroll
      for (int e = 0; e < 4; e++) {
        Vt[(c + 2 * e) * LDV + r] = (bf16)(w[e] & 0xffffu);
        Vt[(c + 2 * e + 1) * LDV + r] = (bf16)(w[e] >> 16);
      }
    }
    __syncthreads();

    float s[BK / 8][4];
#pragma unroll
    for (int j = 0; j < BK / 8; j++) s[j][0] = s[j][1] = s[j][2] = s[j][3] = 0.f;
#pragma unroll
    for (int ks = 0; ks < KSTEPS; ks++) {
#pragma unroll
      for (int j = 0; j < BK / 8; j++) {
        const bf16* kp = Ks + (j * 8 + g) * LDK + ks * 16 + 2 * t4;
        mma16816(s[j], qa[ks], *(const unsigned*)kp, *(const unsigned*)(kp + 8));
      }
    }

    float mx0 = NEG_INF, mx1 = NEG_INF;
#pragma unroll
    for (int j = 0; j < BK / 8; j++) {
#pragma unroll
      for (int e = 0; e < 2; e++) {
        if (kv0 + j * 8 + 2 * t4 + e >= L) s[j][e] = s[j][2 + e] = NEG_INF;
      }
      mx0 = fmaxf(mx0, fmaxf(s[j][0], s[j][1]));
      mx1 = fmaxf(mx1, fmaxf(s[j][2], s[j][3]));
    }
    mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
    mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
    mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
    mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
    const float n0 = fmaxf(m0, mx0 * scaleLog2), n1 = fmaxf(m1, mx1 * scaleLog2);
    const float alpha0 = exp2f(m0 - n0), alpha1 = exp2f(m1 - n1);
    m0 = n0;
    m1 = n1;
    float sum0 = 0.f, sum1 = 0.f;
#pragma unroll
    for (int j = 0; j < BK / 8; j++) {
      s[j][0] = exp2f(s[j][0] * scaleLog2 - n0);
      s[j][1] = exp2f(s[j][1] * scaleLog2 - n0);
      s[j][2] = exp2f(s[j][2] * scaleLog2 - n1);
      s[j][3] = exp2f(s[j][3] * scaleLog2 - n1);
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
      for (int j = 0; j < NT; j++) {
        const bf16* vp = Vt + (j * 8 + g) * LDV + ks * 16 + 2 * t4;
        mma16816(o[j], pa, *(const unsigned*)vp, *(const unsigned*)(vp + 8));
      }
    }
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
