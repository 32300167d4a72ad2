// out[b,t,:] = (word[ids[b,t]] + type0) + pos[t], rounded to bf16 after each add as HF BERT in bf16 does.
//
// H a multiple of 8: one thread per 8 values of a row (16-byte loads and stores), the grid
// striding over rows × H/8.
__device__ __forceinline__ float embed_value(float word, float type0, float pos) {
  return bf2f(f2bf(bf2f(f2bf(word + type0)) + pos));
}

extern "C" __global__ void embed(const int* ids, const bf16* word, const bf16* pos, const bf16* type0, bf16* out, int rows, int T, int H) {
  const int chunks = H / 8;
  const size_t n = (size_t)rows * chunks;
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    const int row = (int)(i / chunks), c = (int)(i % chunks), t = row % T;
    const u4 w = ((const u4*)(word + (size_t)ids[row] * H))[c];
    const u4 p = ((const u4*)(pos + (size_t)t * H))[c];
    const u4 y = ((const u4*)type0)[c];
    const unsigned wv[4] = {w.x, w.y, w.z, w.w}, pv[4] = {p.x, p.y, p.z, p.w}, yv[4] = {y.x, y.y, y.z, y.w};
    unsigned o[4];
#pragma unroll
    for (int k = 0; k < 4; k++)
      o[k] = pack2(embed_value(lo2f(wv[k]), lo2f(yv[k]), lo2f(pv[k])), embed_value(hi2f(wv[k]), hi2f(yv[k]), hi2f(pv[k])));
    u4 r;
    r.x = o[0];
    r.y = o[1];
    r.z = o[2];
    r.w = o[3];
    ((u4*)(out + (size_t)row * H))[c] = r;
  }
}
