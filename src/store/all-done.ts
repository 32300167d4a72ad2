/**
 * Waiting for concurrent work without leaving any of it running when one part fails (the row
 * writer's chunk encodings, the tree copy's lanes).
 */

/** The values of all `work`, once all of it has ended; the first failure is thrown (nothing is left running). */
export async function allDone<T>(work: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
