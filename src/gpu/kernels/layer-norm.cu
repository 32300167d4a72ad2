// out = LayerNorm(a + b) over rows of H (b may be null: plain LayerNorm). The residual sum is
// rounded to bf16 first (as PyTorch adds two bf16 tensors), statistics in float32, two passes
// over values held in registers. One warp per row, 16-byte accesses; H a multiple of 8 and at
// most 8·32·MAXC. MAXC, the 8-value chunks a lane holds, is compiled for the model's width
// (1 for 256, 3 for 768): registers for unused chunks would only lower the occupancy.
#ifndef MAXC
#define MAXC 8
#endif
__device__ __forceinline__ void unpack8(const u4& v, float* f) {
  const unsigned w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int e = 0; e < 4; e++) {
    f[2 * e] = lo2f(w[e]);
    f[2 * e + 1] = hi2f(w[e]);
  }
}

extern "C" __global__ void add_layer_norm(const bf16* a, const bf16* b, const bf16* gamma, const bf16* beta, bf16* out, int rows, int H, float eps) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int row = blockIdx.x * (blockDim.x >> 5) + warp;
  if (row >= rows) return;
  const u4* a8 = (const u4*)(a + (size_t)row * H);
  const u4* b8 = b ? (const u4*)(b + (size_t)row * H) : 0;
  const int chunks = H / 8;
  float v[MAXC][8];
  float sum = 0.f;
#pragma unroll
  for (int i = 0; i < MAXC; i++) {
    const int q = lane + 32 * i;
    if (q < chunks) {
      unpack8(a8[q], v[i]);
      if (b8) {
        float y[8];
        unpack8(b8[q], y);
#pragma unroll
        for (int e = 0; e < 8; e++) v[i][e] = bf2f(f2bf(v[i][e] + y[e]));
      }
#pragma unroll
      for (int e = 0; e < 8; e++) sum += v[i][e];
    }
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  const float mean = sum / H;
  float var = 0.f;
#pragma unroll
  for (int i = 0; i < MAXC; i++) {
    if (lane + 32 * i < chunks) {
#pragma unroll
      for (int e = 0; e < 8; e++) var += (v[i][e] - mean) * (v[i][e] - mean);
    }
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) var += __shfl_xor_sync(0xffffffffu, var, o);
  const float inv = rsqrtf(var / H + eps);
  u4* o8 = (u4*)(out + (size_t)row * H);
#pragma unroll
  for (int i = 0; i < MAXC; i++) {
    const int q = lane + 32 * i;
    if (q < chunks) {
      float g[8], be[8];
      unpack8(((const u4*)gamma)[q], g);
      unpack8(((const u4*)beta)[q], be);
      u4 r;
      r.x = pack2((v[i][0] - mean) * inv * g[0] + be[0], (v[i][1] - mean) * inv * g[1] + be[1]);
      r.y = pack2((v[i][2] - mean) * inv * g[2] + be[2], (v[i][3] - mean) * inv * g[3] + be[3]);
      r.z = pack2((v[i][4] - mean) * inv * g[4] + be[4], (v[i][5] - mean) * inv * g[5] + be[5]);
      r.w = pack2((v[i][6] - mean) * inv * g[6] + be[6], (v[i][7] - mean) * inv * g[7] + be[7]);
      o8[q] = r;
    }
  }
}
