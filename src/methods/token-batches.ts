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
