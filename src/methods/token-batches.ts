/**
 * Batches of cells by a token budget: cells sorted longest first (as Geneformer's extractor
 * sorts), each batch as many cells as fit `budget` tokens once padded to its longest (first) cell,
 * and at most `maxCells`. Padding stays near zero and the GPU sees batches of even cost.
 */
export function tokenBatches(lengths: ArrayLike<number>, budget: number, maxCells = Infinity): number[][] {
  const order = Array.from({ length: lengths.length }, (_, i) => i)
    .filter((i) => lengths[i]! > 0)
    .sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; ) {
    const longest = lengths[order[i]!]!;
    const n = Math.max(1, Math.min(maxCells, Math.floor(budget / longest), order.length - i));
    batches.push(order.slice(i, i + n));
    i += n;
  }
  return batches;
}

/**
 * Runs `forward` on each batch in order; a batch that fails with an out-of-memory error is split
 * in two halves, run next (`onSplit` hears of it, to shrink later batches too). A one-cell batch
 * that still fails rethrows.
 */
export async function runSplittingOnOom(
  batches: number[][],
  forward: (rows: number[]) => void | Promise<void>,
  isOom: (e: unknown) => boolean,
  onSplit: (rows: number[]) => void,
): Promise<void> {
  const queue = [...batches];
  while (queue.length > 0) {
    const rows = queue.shift()!;
    try {
      await forward(rows);
    } catch (e) {
      if (!isOom(e) || rows.length === 1) throw e;
      onSplit(rows);
      const half = Math.ceil(rows.length / 2);
      queue.unshift(rows.slice(0, half), rows.slice(half));
    }
  }
}

/** The cells `rows` of a token list as one B × T batch padded with `pad` to its longest cell. */
export function paddedBatch(
  rows: number[],
  ids: Int32Array,
  offsets: ArrayLike<number>,
  pad: number,
): { ids: Int32Array; lengths: Int32Array; T: number } {
  const lengths = Int32Array.from(rows, (i) => offsets[i + 1]! - offsets[i]!);
  const T = Math.max(...lengths);
  const batch = new Int32Array(rows.length * T).fill(pad);
  rows.forEach((i, j) => batch.set(ids.subarray(offsets[i]!, offsets[i + 1]!), j * T));
  return { ids: batch, lengths, T };
}

/**
 * Runs `run` on each item with `depth` of them under way: the next is started (its work queued on
 * the device) before the oldest is awaited, so the device goes from one batch to the next without
 * waiting for the host. `done` hears of each in order. Once one fails (in whatever order they end)
 * no more start; the first failure in order is thrown after every started one has ended.
 */
export async function runOverlapped<T>(
  items: Iterable<T>,
  run: (item: T) => Promise<void>,
  done: (item: T) => void = () => {},
  depth = 2,
): Promise<void> {
  const started: { item: T; work: Promise<void> }[] = [];
  let failure: { error: unknown } | undefined;
  let stop = false;
  const finishOldest = async () => {
    const { item, work } = started.shift()!;
    try {
      await work;
      if (!failure) done(item);
    } catch (error) {
      failure ??= { error };
      stop = true;
    }
  };
  for (const item of items) {
    if (stop) break;
    const work = run(item);
    work.catch(() => (stop = true)); // and awaited in finishOldest
    started.push({ item, work });
    while (started.length >= depth && !stop) await finishOldest();
  }
  while (started.length > 0) await finishOldest();
  if (failure) throw failure.error;
}
