// Multi-head self-attention on Hopper (sm_90a): the same contract as attention.cu (qkv B×T×3H bf16,
// out B×T×H, keys ≥ lengths[b] masked, query rows past the length written as zeros), for heads of
// 64. After FlashAttention-3's design: one block = 128 queries of one head of one cell, two consumer
// warpgroups of 64 queries each plus one producer warp (PRODUCER=0: none). The producer streams
// 64-row boxes of K and V into a ring of STAGES shared-memory stages with the tensor memory accelerator (TMA:
// cp.async.bulk.tensor, 128-byte swizzle, completion counted on an mbarrier per stage); consumers
// release a stage on its "empty" mbarrier once its products are done. Both products run on wgmma:
// S = Q·Kᵀ with Q and K from shared memory (K-major), O += P·V with P from registers (the S
// accumulator layout is the A-operand layout) and V from shared memory, transposed by the
// instruction (MN-major). Online softmax in registers between them, as in attention.cu. PIPE=1:
// FlashAttention-3's intra-warpgroup overlap: the next tile's Q·Kᵀ and this tile's P·V are issued
// together, the next tile's softmax runs while P·V does. ptxas keeps wgmmas asynchronous only in
// this shape: fresh score registers each tile, P made and O rescaled with nothing in flight, and
// the same products on every path (the last tile issues one more, fully masked, Q·Kᵀ); otherwise
// it serializes every wgmma and says so (C7512–C7515; `nvcc -arch=sm_90a -cubin -Xptxas -v` on
// this file shows them, registers and spills without a GPU). With the producer warp, two blocks
// an SM leave it 96 registers: it spills; with PRODUCER=0 it uses 118. Measured on an H200:
// 265–288 TFLOP/s, no faster than PRODUCER=0 without it (287), both behind the default (372–400).
// (Also tried and dropped: the two warpgroups taking turns to issue, FlashAttention-3's ping-pong,
// 244–282; each tile in two halves of 32 keys, 199–208.)
// LAZY=1 moves a row's running max only when the tile's max exceeds it by more than 8 (log2
// units), so most tiles skip rescaling O (the exponentials stay ≤ 256: exact in float32); 4 % faster
// on an H200. (Exponentials on the FMA pipes by a polynomial, FlashAttention-4's remedy for the
// special-function unit's 16 a clock, measured 9 % slower here: the issue slots are the limit.
// Nor did fewer instructions help: the max taken only where the exponentials against the running
// one exceed 2^12, 4 % slower; exponentials on packed bf16 pairs, 15 % slower.)
// PRODUCER=0: no producer warp; thread 0 loads each tile once both warpgroups have released its
// stage, checking twice a tile (`refill`), so two blocks an SM fit 128 registers a thread. Slower
// (287 vs 385 TFLOP/s), probably as its warpgroup then waits for the other's releases.
// Also measured and dropped (2026-12-02, V2-like shape, the default at 392–394 beside them):
// the last warp to release a stage loads the tile STAGES later into it (an acq_rel counter in
// shared memory instead of the producer warp; 128 registers): 360–363; that with each warpgroup's
// Q read once into registers (Q·Kᵀ as register-A wgmma: shared memory then serves only K): 368–375
// — and wrong (relative error 0.9) without PIPE, not understood — with PIPE 363–382, correct;
// three consumer warpgroups a block (192 queries, one block an SM, 13 warps: 128 registers):
// 331, with PIPE 353, with PIPE and Q in registers 361–365. Q in registers gains 2–3 % wherever
// it fits, but with the producer warp it does not (144 bytes spilled, wgmma serialized).
// A warpgroup whose 64 queries all lie past the length only writes their zeros (the last block of
// a cell, half the time): the SM's tensor cores go to the other blocks.
// Rows of K/V past the length inside the cell are real padding rows; their scores are masked and
// the V rows of the last tile zeroed, so nothing non-finite there can reach the output.
// grid: (ceil(queries/128), heads, B); block: 288 threads (PRODUCER=0: 256); dynamic shared
// memory: smemBytes().
#define HEAD_DIM 64
#ifndef BK
#define BK 128
#endif
#ifndef STAGES
#define STAGES 2
#endif
#ifndef MINB
#define MINB 1
#endif
#ifndef PIPE
#define PIPE 0
#endif
#ifndef LAZY
#define LAZY 0
#endif
#ifndef PRODUCER
#define PRODUCER 1
#endif
#if PIPE && STAGES < 2
#error "PIPE needs 2 stages or more: the next tile loads while this one's P·V runs"
#endif
#define BQ 128
#define CONSUMERS 256
#if PRODUCER
#define THREADS (CONSUMERS + 32)
#else  // thread 0 loads: two blocks an SM then put 4 warps on a scheduler, 128 registers each, not 96
#define THREADS CONSUMERS
#endif
#define ROW_BYTES 128                 // one row of a head: 64 bf16
#define BOX_BYTES (64 * ROW_BYTES)    // one TMA box: 64 rows
#define TILE_BYTES (BK * ROW_BYTES)

#include "hopper.cuh"

#include "attention-tile.cuh"

extern "C" __global__ void __launch_bounds__(THREADS, MINB)
    attention_sm90(const __grid_constant__ TensorMap map, const int* lengths, bf16* out, int T, int H, float scaleLog2) {
  extern __shared__ unsigned char dynamic_smem[];
  const int b = blockIdx.z, head = blockIdx.y, q0 = blockIdx.x * BQ;
  const int L = lengths[b];
  bf16* O = out + (size_t)b * T * H + head * HEAD_DIM;
  if (q0 >= L) return zero_rows(O, q0, BQ, HEAD_DIM, T, H, THREADS);
  const unsigned base = (smem_addr(dynamic_smem) + SWIZZLE_GROUP - 1) & ~(SWIZZLE_GROUP - 1);
  const unsigned qs = base, ks = qs + 2 * BOX_BYTES, vs = ks + STAGES * TILE_BYTES, bars = vs + STAGES * TILE_BYTES;
  const unsigned qFull = bars;
#define FULL(s) (bars + 8 + 8 * (s))
#define EMPTY(s) (bars + 8 + 8 * STAGES + 8 * (s))
  const int tiles = (L + BK - 1) / BK;
  if (threadIdx.x == 0) {
    mbar_init(qFull, 1);
    for (int s = 0; s < STAGES; s++) {
      mbar_init(FULL(s), 1);
      mbar_init(EMPTY(s), q0 + 64 < L ? CONSUMERS : CONSUMERS / 2);  // the warpgroups with rows to compute
    }
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  }
  __syncthreads();
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;

  const int ck = H + head * HEAD_DIM, cv = 2 * H + head * HEAD_DIM;
  // K and V of tile `it` into its stage, once both warpgroups are done with the tile STAGES before
  auto load = [&](int it) {
    const int s = it % STAGES;
    if (it >= STAGES) mbar_wait(EMPTY(s), ((it / STAGES) - 1) & 1);
    mbar_expect_tx(FULL(s), 2 * TILE_BYTES);
#pragma unroll
    for (int h = 0; h < BK / 64; h++) {
      tma_box(ks + s * TILE_BYTES + h * BOX_BYTES, &map, ck, it * BK + 64 * h, b, FULL(s));
      tma_box(vs + s * TILE_BYTES + h * BOX_BYTES, &map, cv, it * BK + 64 * h, b, FULL(s));
    }
  };
  const bool loader = PRODUCER ? warp == CONSUMERS / 32 && lane == 0 : threadIdx.x == 0;
  if (loader) {
    mbar_expect_tx(qFull, 2 * BOX_BYTES);
    tma_box(qs, &map, head * HEAD_DIM, q0, b, qFull);
    tma_box(qs + BOX_BYTES, &map, head * HEAD_DIM, q0 + 64, b, qFull);
  }
  // PRODUCER=0: thread 0 loads tiles as stages come free: the first STAGES now, later ones where
  // its warpgroup checks; it waits for a stage only when its own warpgroup needs that tile next.
  int next = 0;
  auto refill = [&](int need) {
    while (next < tiles) {
      if (next > need && next >= STAGES && !mbar_test(EMPTY(next % STAGES), ((next / STAGES) - 1) & 1)) break;
      load(next++);
    }
  };
  // (the loader's warp meets again before its next wgmma, which needs all 32 lanes)
#define LOADER_REFILL(need)   \
  if (!PRODUCER) {            \
    if (loader) refill(need); \
    __syncwarp();             \
  }
  LOADER_REFILL(STAGES - 1);
  if (PRODUCER && warp == CONSUMERS / 32) {  // the producer
    if (lane == 0) {
      for (int it = 0; it < tiles; it++) load(it);
    }
    return;
  }

  // a consumer warpgroup
  const int wg = warp >> 2, tid = threadIdx.x & 127, g = lane >> 2, t4 = lane & 3;
  const int r0 = q0 + wg * 64 + (warp & 3) * 16 + g, r1 = r0 + 8;
  const unsigned qa = qs + wg * BOX_BYTES;
  if (q0 + wg * 64 >= L) {  // all its rows past the length: zeros, and no products (nor stages to release)
#pragma unroll
    for (int j = 0; j < HEAD_DIM / 8; j++) {
      const int c = j * 8 + 2 * t4;
      if (r0 < T) *(unsigned*)(O + (size_t)r0 * H + c) = 0u;
      if (r1 < T) *(unsigned*)(O + (size_t)r1 * H + c) = 0u;
    }
    return;
  }
  Rows r;
#pragma unroll
  for (int i = 0; i < HEAD_DIM / 2; i++) r.o[i] = 0.f;
  r.m0 = r.m1 = __int_as_float(0xff800000);
  r.l0 = r.l1 = 0.f;
  unsigned p[BK / 16][4];
  mbar_wait(qFull, 0);
#define KB(it) (ks + ((it) % STAGES) * TILE_BYTES)
#define VB(it) (vs + ((it) % STAGES) * TILE_BYTES)

#if PIPE
  // Tile 0's scores and softmax first; then for each tile: the next tile's Q·Kᵀ and this tile's
  // P·V issued together, the next tile's softmax while P·V runs, then (nothing in flight) O
  // rescaled and the next P made.
  {
    float s0[BK / 2];
    LOADER_REFILL(0);
    mbar_wait(FULL(0), 0);
    issue_scores(s0, qa, KB(0));
    wgmma_wait_all();
    registers_ready<BK / 2>(s0);
    if (BK > L) mask_tail(s0, 0, L, VB(0), t4, tid, wg);
    softmax(s0, r, scaleLog2);  // O is still zero: nothing to rescale
    pack_p(s0, p);
  }
  // The same products every tile (ptxas serializes them where their number depends on the path):
  // after the last tile, scores against the last tile's keys again, all masked, so that softmax
  // leaves the rows as they are.
  for (int it = 0; it < tiles; it++) {
    const bool more = it + 1 < tiles;
    float sc[BK / 2];
    if (more) {
      LOADER_REFILL(it + 1);
      mbar_wait(FULL((it + 1) % STAGES), ((it + 1) / STAGES) & 1);
    }
    issue_scores(sc, qa, KB(more ? it + 1 : it));
    issue_pv(r, p, VB(it));
    wgmma_wait<1>();
    registers_ready<BK / 2>(sc);
    if ((it + 2) * BK > L) mask_keys(sc, (it + 1) * BK, L, t4);  // past the last tile: every key
    const Rescale c = softmax(sc, r, scaleLog2);
    wgmma_wait_all();
    registers_ready<HEAD_DIM / 2>(r.o);
    mbar_arrive(EMPTY(it % STAGES));
    LOADER_REFILL(it + 1);
    if (more && (it + 2) * BK > L) zero_v_tail(VB(it + 1), (it + 1) * BK, L, tid, wg);
    rescale(r, c);
    pack_p(sc, p);
  }
#else
  for (int it = 0; it < tiles; it++) {
    float sc[BK / 2];
    LOADER_REFILL(it);
    mbar_wait(FULL(it % STAGES), (it / STAGES) & 1);
    issue_scores(sc, qa, KB(it));
    wgmma_wait_all();
    registers_ready<BK / 2>(sc);
    if ((it + 1) * BK > L) mask_tail(sc, it * BK, L, VB(it), t4, tid, wg);
    rescale(r, softmax(sc, r, scaleLog2));
    pack_p(sc, p);
    issue_pv(r, p, VB(it));
    wgmma_wait_all();
    registers_ready<HEAD_DIM / 2>(r.o);
    mbar_arrive(EMPTY(it % STAGES));
    LOADER_REFILL(it);
  }
#endif

  float l0 = r.l0, l1 = r.l1;
  l0 += __shfl_xor_sync(0xffffffffu, l0, 1);
  l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
  l1 += __shfl_xor_sync(0xffffffffu, l1, 1);
  l1 += __shfl_xor_sync(0xffffffffu, l1, 2);
  const float inv0 = 1.f / l0, inv1 = 1.f / l1;
#pragma unroll
  for (int j = 0; j < HEAD_DIM / 8; j++) {
    const int c = j * 8 + 2 * t4;
    if (r0 < T) *(unsigned*)(O + (size_t)r0 * H + c) = r0 < L ? pack2(r.o[4 * j] * inv0, r.o[4 * j + 1] * inv0) : 0u;
    if (r1 < T) *(unsigned*)(O + (size_t)r1 * H + c) = r1 < L ? pack2(r.o[4 * j + 2] * inv1, r.o[4 * j + 3] * inv1) : 0u;
  }
}
