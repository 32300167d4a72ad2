/** One closeness check for numeric arrays that names the first mismatches and the max difference. */
import assert from "node:assert/strict";

export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  opts: { atol?: number; rtol?: number; label: string },
): void {
  const { atol = 0, rtol = 0, label } = opts;
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length} ≠ ${expected.length}`);
  let maxDiff = 0;
  const bad: string[] = [];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    const d = Math.abs(a - e);
    if (d > maxDiff) maxDiff = d;
    if (!(d <= atol + rtol * Math.abs(e)) && bad.length < 5) bad.push(`[${i}] ${a} vs ${e}`);
  }
  assert.equal(
    bad.length,
    0,
    `${label}: not close (atol ${atol}, rtol ${rtol}); max diff ${maxDiff}; first: ${bad.join(", ")}`,
  );
}
