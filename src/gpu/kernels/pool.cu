// Pooling B×T×H hidden states to B×H: the mean over positions [from[b], to[b]) (float32 sums), or
// the first token's row.
//
// mean_pool (H a multiple of 8, at most 2048 as for every kernel here): one block per cell, its
// threads laid out as R row groups × H/8 column chunks (16-byte loads, a warp reads whole 512-byte
// row spans); group r sums rows f + r, f + r + R, … four loads in flight, then the R partial sums
// meet in shared memory. grid: B blocks.
extern "C" __global__ void mean_pool(const bf16* x, const int* from, const int* to, bf16* out, int T, int H) {
  extern __shared__ float part[];  // R × H
  const int b = blockIdx.x, f = from[b], e = to[b];
  const int chunks = H / 8, R = blockDim.x / chunks;
  const int c = threadIdx.x % chunks, r = threadIdx.x / chunks;
  const u4* rows = (const u4*)(x + (size_t)b * T * H) + c;
  float s[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  auto add = [&](const u4& v) {
    const unsigned w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int k = 0; k < 4; k++) {
      s[2 * k] += lo2f(w[k]);
      s[2 * k + 1] += hi2f(w[k]);
    }
  };
  int t = f + r;
  for (; t + 3 * R < e; t += 4 * R) {
    const u4 v0 = rows[(size_t)t * chunks], v1 = rows[(size_t)(t + R) * chunks];
    const u4 v2 = rows[(size_t)(t + 2 * R) * chunks], v3 = rows[(size_t)(t + 3 * R) * chunks];
    add(v0);
    add(v1);
    add(v2);
    add(v3);
  }
  for (; t < e; t += R) add(rows[(size_t)t * chunks]);
#pragma unroll
  for (int k = 0; k < 8; k++) part[r * H + c * 8 + k] = s[k];
  __syncthreads();
  const float scale = e > f ? 1.f / (e - f) : 0.f;
  for (int h = threadIdx.x; h < H; h += blockDim.x) {
    float sum = 0.f;
    for (int q = 0; q < R; q++) sum += part[q * H + h];
    out[(size_t)b * H + h] = f2bf(sum * scale);
  }
}

extern "C" __global__ void first_token_pool(const bf16* x, bf16* out, int T, int H) {
  const int b = blockIdx.x;
  for (int h = threadIdx.x; h < H; h += blockDim.x) out[(size_t)b * H + h] = x[(size_t)b * T * H + h];
}
