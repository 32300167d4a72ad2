/** [r0, r1) row ranges of at most `rows` rows covering [0, nObs): how every row stream is cut. */
export function* rowRanges(nObs: number, rows: number): Generator<[number, number]> {
  for (let r0 = 0; r0 < nObs; r0 += rows) yield [r0, Math.min(nObs, r0 + rows)];
}
