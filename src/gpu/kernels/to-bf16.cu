// float32 → bf16, rounded to nearest even (what the host's toBf16 does, on the GPU): weights and
// inputs go up as stored, so the host makes no pass over them. NaN stays NaN, infinities and
// subnormals as the rounding gives them.
extern "C" __global__ void to_bf16(const float* x, bf16* y, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    y[i] = f2bf(x[i]);
}
