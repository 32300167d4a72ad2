/**
 * Two steps of a preparation run at once (tokenization and a model's load). Both always run to
 * their end, and the errors keep the sequential order: the first step's error wins (an input
 * problem is reported before a missing model, as when they ran one after the other); when only
 * the second fails, the first's result is released. No rejection is left unhandled. `failing`
 * hears of the first failure at once, while the other step still runs.
 */
export async function both<A, B>(
  first: () => Promise<A>,
  second: () => Promise<B>,
  releaseFirst: (a: A) => void,
  failing: () => void = () => {},
): Promise<[A, B]> {
  const a = first();
  // the second step starts once the first has reached its first wait (its workers are busy)
  const b = Promise.resolve().then(second);
  a.catch(failing);
  b.catch(failing);
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") {
    releaseFirst(ra.value);
    throw rb.reason;
  }
  return [ra.value, rb.value];
}
