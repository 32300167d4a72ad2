// out[b,t,:] = (word[ids[b,t]] + type0) + pos[t], rounded to bf16 after each add as HF BERT in bf16 does.
// grid: B*T blocks; block: threads over H.
extern "C" __global__ void embed(const int* ids, const bf16* word, const bf16* pos, const bf16* type0, bf16* out, int T, int H) {
  const int row = blockIdx.x, t = row % T;
  const size_t id = (size_t)ids[row];
  for (int h = threadIdx.x; h < H; h += blockDim.x) {
    const float e = bf2f(f2bf(bf2f(word[id * H + h]) + bf2f(type0[h])));
    out[(size_t)row * H + h] = f2bf(e + bf2f(pos[(size_t)t * H + h]));
  }
}
