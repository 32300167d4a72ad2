// Pooling B×T×H hidden states to B×H: the mean over positions [from[b], to[b]) (float32 sum),
// or the first token's row. grid: B blocks; block: threads over H.
extern "C" __global__ void mean_pool(const bf16* x, const int* from, const int* to, bf16* out, int T, int H) {
  const int b = blockIdx.x, f = from[b], e = to[b];
  const float scale = e > f ? 1.f / (e - f) : 0.f;
  for (int h = threadIdx.x; h < H; h += blockDim.x) {
    float s = 0.f;
    for (int t = f; t < e; t++) s += bf2f(x[((size_t)b * T + t) * H + h]);
    out[(size_t)b * H + h] = f2bf(s * scale);
  }
}

extern "C" __global__ void first_token_pool(const bf16* x, bf16* out, int T, int H) {
  const int b = blockIdx.x;
  for (int h = threadIdx.x; h < H; h += blockDim.x) out[(size_t)b * H + h] = x[(size_t)b * T * H + h];
}
