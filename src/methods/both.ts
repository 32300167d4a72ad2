/**
 * Two steps of a preparation run at once (tokenization and a model's load): the first failure is
 * thrown, but only once both have settled, after the failure has aborted the first step (it
 * checks its signal between blocks) and the other's result has been released: nothing is left
 * running, nor any rejection unhandled.
 */
export async function both<A, B>(
  first: (signal: AbortSignal) => Promise<A>,
  second: () => Promise<B>,
  outer: AbortSignal | undefined,
  releaseFirst: (a: A) => void,
): Promise<[A, B]> {
  const stop = new AbortController();
  const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
  const a = first(signal);
  // the second step starts once the first has reached its first wait (its workers are busy)
  const b = Promise.resolve().then(second);
  b.catch((err: unknown) => stop.abort(err));
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === "rejected") {
    // the first step's own error, unless it only stopped because the second failed
    throw rb.status === "rejected" && ra.reason === rb.reason ? rb.reason : ra.reason;
  }
  if (rb.status === "rejected") {
    releaseFirst(ra.value);
    throw rb.reason;
  }
  return [ra.value, rb.value];
}
