// In-place activation on n bf16 values (n even): exact (erf) GELU as HF's "gelu". ReLU is fused into
// the GEMM's cuBLASLt epilogue instead.
extern "C" __global__ void gelu(bf16* x, long long n2) {
  unsigned* x2 = (unsigned*)x;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n2; i += (long long)gridDim.x * blockDim.x) {
    const unsigned v = x2[i];
    const float a = lo2f(v), b = hi2f(v);
    x2[i] = pack2(0.5f * a * (1.f + erff(a * 0.70710678118654752f)), 0.5f * b * (1.f + erff(b * 0.70710678118654752f)));
  }
}
