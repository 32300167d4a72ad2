/**
 * Text made safe for the report page: HTML-escaped text and attributes, JSON that can sit inside a
 * `<script>` element (no `</script`, no `<!--`), and the number formats the tables use.
 */

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text or an attribute value as HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * JSON for `<script type="application/json">`: every `<` becomes `\u003c`, so no `</script` or
 * `<!--` can end or confuse the element; JSON.parse reads it back unchanged.
 */
export function jsonInScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** A metric or score: 3 decimals, "–" when absent. */
export function formatScore(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(3);
}

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** A value on a chart axis or in a chart tooltip: 3 significant digits. */
export function formatAxis(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 1e4 || abs < 1e-2 ? value.toExponential(1) : String(Number(value.toPrecision(3)));
}

/** The last component of a path (either separator). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== "");
  return parts.length > 0 ? parts[parts.length - 1]! : path;
}
