/** The known name closest to a misspelt one (edit distance), for "did you mean …" hints. */
function nearestName(word: string, names: Iterable<string>): string | undefined {
  let best: string | undefined,
    bestDistance = Infinity;
  for (const name of names) {
    const d = editDistance(word.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** " — did you mean 'x'?", or nothing when there is no name to suggest. */
export function didYouMean(word: string, names: Iterable<string>): string {
  const near = nearestName(word, names);
  return near === undefined ? "" : ` — did you mean '${near}'?`;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
