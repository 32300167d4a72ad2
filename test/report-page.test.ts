/**
 * The report page as text (no browser): one self-contained file that references nothing outside
 * itself, whose embedded data decodes back to the report's arrays, with `</script` in a cell name
 * escaped; report.json without the per-cell arrays; the viewer's grid index and colour slots.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rankMethods } from "../src/report/page/ranking-table.ts";
import { renderReportHtml, reportJson } from "../src/report/page/render.ts";
import { float32FromBase64, int32FromBase64, type ViewerData } from "../src/report/page/viewer-data.ts";
import { buildGrid, colorSlots, decodeBase64, layoutPoints, nearestPoint } from "../src/report/page/viewer-lib.ts";
import { PROBE_CELL, PROBE_NAME, syntheticReport } from "./helpers/report-data.ts";

const data = syntheticReport({ cells: 2000, methods: 3, seed: 11 });
const html = renderReportHtml(data);

function embedded(page: string): ViewerData {
  const m = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(page);
  assert.ok(m, "the page embeds its data");
  return JSON.parse(m[1]!) as ViewerData;
}

test("the page is one file that fetches nothing", () => {
  assert.ok(html.startsWith("<!DOCTYPE html>"));
  for (const ref of ["http://", "https://", "src=", "<link", "@import", "url("]) {
    assert.ok(!html.toLowerCase().includes(ref), `the page contains ${ref}`);
  }
  assert.equal(html.match(/<script\b/g)?.length, 2, "the data and the viewer, both inline");
  assert.equal(html.match(/<\/script>/g)?.length, 2, "no </script> other than the two elements' own");
  assert.match(html, /<style>/);
});

test("the page shows the inputs, sample, notes, skipped arrays, ranking and a sanity panel per method", () => {
  for (const text of [
    "scembed report: synthetic",
    "2025-01-02T03:04:05.000Z",
    "/data/train/chunk_0.zarr",
    "X_gs10k: 10000 dimensions reduced by PCA to 50",
    "X_broken: incomplete in /data/test/chunk_1.zarr",
    "2,000 of 10,000 cells sampled",
    "12 rows are not finite",
  ]) {
    assert.ok(html.includes(text), text);
  }
  const table = /<table id="ranking".*?<\/table>/s.exec(html)![0];
  const rows = table.match(/<tbody>.*<\/tbody>/s)![0].match(/<tr/g)!;
  assert.equal(rows.length, 3);
  const keys = [...table.matchAll(/class="left key">([^<]+)</g)].map((m) => m[1]);
  const sorted = [...data.methods]
    .filter((m) => m.metrics.overall !== undefined)
    .sort((a, b) => b.metrics.overall! - a.metrics.overall!)
    .map((m) => m.key);
  assert.deepEqual(keys, [...sorted, "X_gs10k"], "by overall score; the method without one last");
  for (const h of ["overall", "bio", "batch", "label ASW", "NMI", "ARI", "cLISI", "batch ASW", "iLISI", "kNN acc."]) {
    assert.ok(table.includes(`>${h}</th>`), h);
  }
  assert.ok(table.includes("<td>–</td>"), "missing metrics show –");
  assert.match(table, /warn-mark[^>]*>⚠ 3</, "X_scvi's warnings are marked");
  assert.equal(html.match(/class="panel sanity/g)?.length, 3);
  assert.equal(html.match(/class="bar warn"/g)?.length, 1, "one outlier chunk in the warning colour");
  assert.match(html, /the largest 200 of 10,000/, "a 10,000-dimension spectrum shows its top 200");
  assert.equal(html.match(/<canvas class="scatter"/g)?.length, 6, "batch and label for each method");
});

test("the embedded data decodes back to the report's arrays; </script in a cell name is escaped", () => {
  const v = embedded(html);
  assert.equal(v.cells, 2000);
  assert.deepEqual(v.cellNames, data.cellNames);
  assert.equal(v.cellNames[PROBE_CELL], PROBE_NAME);
  assert.ok(!html.includes(PROBE_NAME), "the raw name (with </script>) is not in the page");
  assert.ok(html.includes("probe\\u003c/script>\\u003cb>cell&"));
  assert.deepEqual(int32FromBase64(v.cellFile), data.cellFile);
  assert.deepEqual(
    v.files,
    ["chunk_0.zarr", "chunk_1.zarr", "chunk_0.zarr", "chunk_1.zarr"].map((_, f) => data.inputs[f]!.path),
    "base names repeat: full paths",
  );
  for (const [i, c] of data.columns.entries()) assert.deepEqual(int32FromBase64(v.columns[i]!.codes), c.codes);
  for (const m of v.methods) {
    const original = data.methods.find((x) => x.key === m.key)!;
    assert.deepEqual(float32FromBase64(m.umap), original.umap);
    assert.deepEqual(new Float32Array(decodeBase64(m.umap)), original.umap, "the browser's decoder agrees");
  }
});

test("reportJson: everything but the per-cell arrays, every metric value", () => {
  const j = reportJson(data);
  const text = JSON.stringify(j);
  assert.deepEqual(JSON.parse(text), j, "plain JSON");
  for (const name of ["umap", "codes", "cellNames", "cellFile"]) assert.ok(!text.includes(`"${name}"`), name);
  assert.deepEqual(j.inputs, data.inputs);
  assert.deepEqual(j.notes, data.notes);
  assert.deepEqual(j.skipped, data.skipped);
  assert.equal(j.methods.length, data.methods.length);
  for (const [i, m] of data.methods.entries()) {
    const r = j.methods[i]!;
    assert.equal(r.key, m.key);
    assert.deepEqual([r.dim, r.usedDim, r.reducedByPca, r.seconds], [m.dim, m.usedDim, m.reducedByPca, m.seconds]);
    assert.deepEqual(r.metrics, m.metrics);
    assert.deepEqual(r.sanity, m.sanity);
  }
});

test("without batch or label columns the views are coloured by input file", () => {
  const page = renderReportHtml({
    ...data,
    columns: [],
    sample: { ...data.sample, batchKey: undefined, labelKey: undefined },
  });
  assert.equal(page.match(/<canvas class="scatter"/g)?.length, 3);
  assert.deepEqual(embedded(page).colorBy, [-1]);
  assert.match(page, /coloured by file/);
});

test("viewer building blocks: nearest point within the radius, top categories and other", () => {
  const xy = new Float32Array([0, 0, 10, 10, 9.5, 10, Number.NaN, 1, 5, 5]);
  const layout = layoutPoints(xy, 100, 100, 10);
  assert.equal(layout.finite, 4);
  assert.ok(Number.isNaN(layout.x[3]!));
  assert.deepEqual([layout.x[0], layout.y[0], layout.x[1], layout.y[1]], [10, 90, 90, 10], "fitted, y up");
  const grid = buildGrid(layout.x, layout.y, 100, 100, 8);
  assert.equal(grid.items.length, 4);
  assert.equal(nearestPoint(grid, layout.x, layout.y, 11, 89, 6), 0);
  assert.equal(nearestPoint(grid, layout.x, layout.y, 50, 50, 6), 4);
  assert.equal(nearestPoint(grid, layout.x, layout.y, 30, 30, 6), -1);
  assert.equal(nearestPoint(grid, layout.x, layout.y, 85, 10, 6), 2);

  const codes = new Int32Array([0, 1, 1, 2, 2, 2, -1, 3]);
  const s = colorSlots(codes, 4, 2);
  assert.deepEqual(s.top, [2, 1]);
  assert.deepEqual(s.counts, [3, 2, 2, 1], "2 top slots, other (categories 0 and 3), missing");
  assert.deepEqual([...s.order], [6, 0, 7, 3, 4, 5, 1, 2], "missing, other, then the top categories");
});

test("without labels the ranking goes by the batch score, best first; scores beat no scores", () => {
  const data = syntheticReport({ cells: 200, methods: 3, seed: 2 });
  const batch = [0.3, 0.9, undefined];
  data.methods.forEach((m, i) => {
    m.metrics = batch[i] === undefined ? {} : { batch: batch[i]!, batchAsw: batch[i]! };
  });
  const ranked = rankMethods(data.methods).map((m) => m.metrics.batch);
  assert.deepEqual(ranked, [0.9, 0.3, undefined]);
});
