// out = LayerNorm(a + b) over rows of H (b may be null: plain LayerNorm). The residual sum is
// rounded to bf16 first (as PyTorch adds two bf16 tensors), statistics in float32, two passes
// over values held in registers. One warp per row; H even and at most 64*MAXP.
#define MAXP 32
extern "C" __global__ void add_layer_norm(const bf16* a, const bf16* b, const bf16* gamma, const bf16* beta, bf16* out, int rows, int H, float eps) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int row = blockIdx.x * (blockDim.x >> 5) + warp;
  if (row >= rows) return;
  const unsigned* a2 = (const unsigned*)(a + (size_t)row * H);
  const unsigned* b2 = b ? (const unsigned*)(b + (size_t)row * H) : 0;
  float v[2 * MAXP];
  float sum = 0.f;
#pragma unroll
  for (int i = 0; i < MAXP; i++) {
    const int p = lane + 32 * i;
    if (2 * p < H) {
      const unsigned x = a2[p];
      float x0 = lo2f(x), x1 = hi2f(x);
      if (b2) {
        const unsigned y = b2[p];
        x0 = bf2f(f2bf(x0 + lo2f(y)));
        x1 = bf2f(f2bf(x1 + hi2f(y)));
      }
      v[2 * i] = x0;
      v[2 * i + 1] = x1;
      sum += x0 + x1;
    }
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  const float mean = sum / H;
  float var = 0.f;
#pragma unroll
  for (int i = 0; i < MAXP; i++) {
    if (2 * (lane + 32 * i) < H) {
      const float d0 = v[2 * i] - mean, d1 = v[2 * i + 1] - mean;
      var += d0 * d0 + d1 * d1;
    }
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) var += __shfl_xor_sync(0xffffffffu, var, o);
  const float inv = rsqrtf(var / H + eps);
  const unsigned* g2 = (const unsigned*)gamma;
  const unsigned* be2 = (const unsigned*)beta;
  unsigned* o2 = (unsigned*)(out + (size_t)row * H);
#pragma unroll
  for (int i = 0; i < MAXP; i++) {
    const int p = lane + 32 * i;
    if (2 * p < H) {
      const unsigned g = g2[p], be = be2[p];
      o2[p] = pack2((v[2 * i] - mean) * inv * lo2f(g) + lo2f(be), (v[2 * i + 1] - mean) * inv * hi2f(g) + hi2f(be));
    }
  }
}
