/**
 * The report page in a real headless Chromium, offline (any request besides the file itself fails
 * the test): no errors; every view drew every sampled cell and has coloured pixels; the ranking
 * has a row per method; hovering a known cell shows its name, batch and label; and a 50,000-cell ×
 * 7-method page gets ready within a generous bound (the time is printed).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildReport, writeReport } from "../src/index.ts";
import { renderReportHtml, type ReportViewerApi } from "../src/report/page/render.ts";
import { CHROMIUM_SKIP, chromiumPath, launchChromium, type OfflinePage, openReport } from "./helpers/browser.ts";
import { REAL, tempDir } from "./helpers/paths.ts";
import { PROBE_CELL, PROBE_NAME, syntheticReport } from "./helpers/report-data.ts";

const chromium = chromiumPath();

type ReportWindow = Window & { scembedReport: ReportViewerApi };

/** Per scatter canvas: data-points-drawn, pixels not transparent, distinct colours. */
function canvasStats(p: OfflinePage) {
  return p.page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLCanvasElement>("canvas.scatter")).map((c) => {
      const pixels = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      const colours = new Set<number>();
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3]! === 255) {
          painted++;
          colours.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
        }
      }
      return { drawn: Number(c.dataset["pointsDrawn"]), painted, colours: colours.size };
    }),
  );
}

function assertClean(p: OfflinePage): void {
  assert.deepEqual(p.blocked, [], "the page fetched nothing");
  assert.deepEqual(p.errors, [], "no console or page errors");
}

test("the report page in headless Chromium", { skip: chromium ? false : CHROMIUM_SKIP }, async (t) => {
  const dir = tempDir(t, "scembed-report-");
  const browser = await launchChromium(chromium!);
  t.after(() => browser.close());

  await t.test("2,000 cells × 3 methods: drawn, ranked, hover shows the cell", async () => {
    const data = syntheticReport({ cells: 2000, methods: 3, seed: 5 });
    const file = join(dir, "small.html");
    writeFileSync(file, renderReportHtml(data));
    const p = await openReport(browser, file);
    assertClean(p);
    const views = await p.page.evaluate(() => (window as unknown as ReportWindow).scembedReport.views);
    assert.equal(views.length, 6);
    assert.deepEqual(
      views.map((v) => v.colorBy),
      ["batch", "cell_type", "batch", "cell_type", "batch", "cell_type"],
    );
    for (const [i, s] of (await canvasStats(p)).entries()) {
      assert.equal(s.drawn, 2000, `view ${i} drew every cell`);
      assert.equal(views[i]!.points, 2000);
      assert.ok(s.painted > 0.3 * 2000, `view ${i}: ${s.painted} painted pixels`);
      assert.ok(s.colours >= (i % 2 === 0 ? 2 : 4), `view ${i}: ${s.colours} colours`);
    }
    const rows = await p.page.$$eval("#ranking tbody tr", (trs) => trs.length);
    assert.equal(rows, 3);

    for (const view of [1, 4]) {
      await p.page.$eval(`canvas.scatter[data-view="${view}"]`, (c) => c.scrollIntoView({ block: "center" }));
      const at = await p.page.evaluate(
        (v, cell) => (window as unknown as ReportWindow).scembedReport.pointPosition(v, cell),
        view,
        PROBE_CELL,
      );
      await p.page.mouse.move(at.x, at.y);
      const tip = await p.page.$eval("#tooltip", (e) => ({ hidden: (e as HTMLElement).hidden, text: e.textContent }));
      assert.equal(tip.hidden, false, `view ${view}: the tooltip shows`);
      const batch = data.columns[0]!.categories[data.columns[0]!.codes[PROBE_CELL]!]!;
      const label = data.columns[1]!.categories[data.columns[1]!.codes[PROBE_CELL]!]!;
      for (const want of [PROBE_NAME, `batch: ${batch}`, `cell_type: ${label}`, "file: /data/train/chunk_0.zarr"]) {
        assert.ok(tip.text!.includes(want), `view ${view}: tooltip ${JSON.stringify(tip.text)} has ${want}`);
      }
      await p.page.mouse.move(at.x + 60, at.y - 1); // empty space above the blobs
      assert.equal(await p.page.$eval("#tooltip", (e) => (e as HTMLElement).hidden), true, "no cell, no tooltip");
    }
    assertClean(p);
    await p.page.close();
  });

  await t.test("a real report (pbmc68k_reduced: scanpy's PCA, cell types) built by buildReport", async () => {
    const data = await buildReport({
      inputs: [join(REAL, "pbmc68k_reduced_counts.zarr")],
      batchKey: "batch",
      labelKey: "cell_type",
      workDir: dir,
    });
    const file = join(dir, "real.html");
    await writeReport(data, file);
    const p = await openReport(browser, file);
    assertClean(p);
    for (const s of await canvasStats(p)) {
      assert.equal(s.drawn, 700);
      assert.ok(s.painted > 0.3 * 700, `${s.painted} painted pixels`);
    }
    const methods = await p.page.$$eval("#ranking tbody tr", (trs) => trs.map((tr) => tr.textContent ?? ""));
    assert.equal(methods.length, 1);
    assert.match(methods[0]!, /X_pca_scanpy/);
    const cell = 123;
    await p.page.$eval(`canvas.scatter[data-view="1"]`, (c) => c.scrollIntoView({ block: "center" }));
    const at = await p.page.evaluate(
      (c) => (window as unknown as ReportWindow).scembedReport.pointPosition(1, c),
      cell,
    );
    await p.page.mouse.move(at.x, at.y);
    const tip = await p.page.$eval("#tooltip", (e) => e.textContent ?? "");
    const label = data.columns[1]!.categories[data.columns[1]!.codes[cell]!]!;
    // the nearest point under the mouse may be another cell at the same pixel: its label, then, is the same colour
    assert.match(tip, /cell_type: /);
    assert.ok(tip.includes(data.cellNames[cell]!) || tip.includes(`cell_type: ${label}`), tip);
    await p.page.close();
  });

  await t.test("50,000 cells × 7 methods gets ready in time", async () => {
    const data = syntheticReport({ cells: 50_000, methods: 7, labels: 40, seed: 9 });
    const file = join(dir, "large.html");
    const started = performance.now();
    const html = renderReportHtml(data);
    const renderMs = performance.now() - started;
    writeFileSync(file, html);
    const p = await openReport(browser, file);
    const message = `50,000 cells × 7 methods: rendered in ${renderMs.toFixed(0)} ms (${(html.length / 1e6).toFixed(1)} MB), ready in the browser in ${p.readyMs.toFixed(0)} ms`;
    t.diagnostic(message);
    console.log(message);
    assertClean(p);
    const stats = await canvasStats(p);
    assert.equal(stats.length, 14);
    for (const s of stats) assert.equal(s.drawn, 50_000);
    assert.ok(stats[1]!.colours >= 20, "the label view has many colours");
    const legend = await p.page.$eval("#legend-1", (e) => e.querySelectorAll(".legend-item").length);
    assert.equal(legend, 30 + 1 + 1, "40 labels: the 30 most frequent, other, missing");
    assert.match(await p.page.$eval("#legend-1", (e) => e.textContent!), /other \(10 categories\)/);
    assert.ok(p.readyMs < 15_000, `ready after ${p.readyMs.toFixed(0)} ms`);
    await p.page.close();
  });
});
