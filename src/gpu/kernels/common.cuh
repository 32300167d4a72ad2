// Shared by every kernel: bf16 stored as raw 16-bit values, converted with PTX (sm_80+), no headers.
typedef unsigned short bf16;

__device__ __forceinline__ float bf2f(bf16 x) { return __uint_as_float(((unsigned)x) << 16); }

__device__ __forceinline__ bf16 f2bf(float x) {
  unsigned short r;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r) : "f"(x));
  return r;
}

// two floats to one bf16x2 word: `lo` in the low half (the lower index in memory)
__device__ __forceinline__ unsigned pack2(float lo, float hi) {
  unsigned r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}
__device__ __forceinline__ float lo2f(unsigned v) { return __uint_as_float(v << 16); }
__device__ __forceinline__ float hi2f(unsigned v) { return __uint_as_float(v & 0xffff0000u); }

struct alignas(16) u4 { unsigned x, y, z, w; };

// rows [r0, r0 + n) of one head's output (`width` values, rows H apart; rows ≥ T left alone) set
// to zero by the block's `threads` threads: attention's rows past a cell's length
__device__ __forceinline__ void zero_rows(bf16* O, int r0, int n, int width, int T, int H, int threads) {
  for (int i = threadIdx.x; i < n * (width / 2); i += threads) {
    const int r = r0 + i / (width / 2), c = (i % (width / 2)) * 2;
    if (r < T) *(unsigned*)(O + (size_t)r * H + c) = 0u;
  }
}
