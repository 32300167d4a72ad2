// A 64-bit fingerprint of n 32-bit words: the sum (mod 2^64) of splitmix64(index · 2^32 + word),
// so any change of a word or its place changes it, whatever order the threads add in. Used to
// check that two GEMM algorithms wrote the same bits, without a second output buffer.
__device__ __forceinline__ unsigned long long splitmix64(unsigned long long z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

extern "C" __global__ void checksum(const unsigned* x, long long n, unsigned long long* sum) {
  unsigned long long h = 0;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    h += splitmix64(((unsigned long long)i << 32) | x[i]);
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) h += __shfl_xor_sync(0xffffffffu, h, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(sum, h);
}
