/** The report page's stylesheet (inlined; system fonts only, nothing fetched). */
export const PAGE_STYLE = `
:root { --fg: #1d1d1f; --muted: #6b6b70; --line: #dcdce0; --warn: #c0392b; --warn-bg: #fdecea; --bar: #4a78b5; }
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 20px 28px 60px; max-width: 1600px; color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; }
.muted, .meta { color: var(--muted); font-weight: normal; }
table { border-collapse: collapse; }
th, td { padding: 3px 9px; text-align: right; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-weight: 600; }
.left { text-align: left; }
.key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td.score { font-weight: 700; }
.ranking tbody tr:hover { background: #f4f6fa; }
.ranking tr.has-warning .key { color: var(--warn); }
a.warn-mark { color: var(--warn); font-weight: 700; text-decoration: none; }
a.ok-mark { color: var(--muted); text-decoration: none; }
ul.notes, ul.skipped, ul.warnings { margin: 6px 0; padding-left: 20px; }
ul.warnings li { color: var(--warn); }
.inputs td:first-child { text-align: left; font-family: ui-monospace, monospace; }
.legends { display: flex; flex-wrap: wrap; gap: 8px 28px; margin-bottom: 12px; }
.legend-box { max-width: 600px; }
.view-cards { display: flex; flex-wrap: wrap; gap: 14px; }
.view-card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.view-card h3 { font-size: 14px; }
.view-row { display: flex; gap: 8px; }
figure.view { margin: 0; }
figure.view figcaption { font-size: 12px; color: var(--muted); text-align: center; }
canvas.scatter { display: block; background: #fff; border: 1px solid var(--line); border-radius: 3px; cursor: crosshair; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 10px; font-size: 12px; font-weight: normal; margin-top: 4px; }
.legend-item { display: inline-flex; align-items: center; gap: 4px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; }
.tooltip { position: fixed; z-index: 10; pointer-events: none; background: rgba(255,255,255,0.97);
  border: 1px solid #999; border-radius: 4px; padding: 5px 8px; font-size: 12px; box-shadow: 0 2px 8px rgba(0,0,0,.15);
  max-width: 420px; word-break: break-all; }
.tooltip[hidden] { display: none; }
.tip-name { font-weight: 700; }
.panels { display: grid; gap: 14px; }
.panel { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.panel.has-warning { border-color: var(--warn); }
.panel-body { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.counts th { text-align: left; font-weight: normal; }
.counts tr.warn td, .counts tr.warn th { color: var(--warn); font-weight: 700; background: var(--warn-bg); }
p.ok { color: #2e7d32; margin: 6px 0; }
figure.chart { margin: 0; }
figure.chart figcaption { font-size: 12px; color: var(--muted); max-width: 280px; }
svg text { font-size: 10px; fill: var(--muted); }
svg .axis { stroke: #999; stroke-width: 1; }
svg .bar { fill: var(--bar); }
svg .bar.warn { fill: var(--warn); }
svg .bar:hover { fill: #f0a500; }
`;
