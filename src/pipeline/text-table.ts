/** Rows padded to their columns' widths (the last column is not padded), for the CLI's tables. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ("left" | "right")[] = [],
): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const cell = (text: string, c: number, last: boolean) =>
    align[c] === "right" ? text.padStart(widths[c]!) : last ? text : text.padEnd(widths[c]!);
  return all.map((r) =>
    r
      .map((text, c) => cell(text, c, c === r.length - 1))
      .join("  ")
      .trimEnd(),
  );
}
