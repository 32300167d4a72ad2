/** gs / gs10k / lognorm against the golden fixtures made with the reference tools' semantics. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { ensemblIds } from "../src/anndata/gene-ids.ts";
import { panelColumns, readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { getMethod } from "../src/methods/registry.ts";
import { logNormalize } from "../src/numerics/lognorm.ts";
import { memoryLogger } from "../src/logger.ts";
import { expectClose } from "./helpers/expect-close.ts";
import { readNpy } from "./helpers/npy.ts";
import { DEMO_H5AD, FIXTURES, REAL, tempDir } from "./helpers/paths.ts";
import { testDataset } from "./helpers/dataset.ts";

const INPUTS = [DEMO_H5AD, join(REAL, "pbmc_10x_3chem.first500.zarr")];

test("lognorm of the counts matches scanpy's log1p(normalize_total) (fixture)", async () => {
  const dir = join(FIXTURES, "lognorm");
  const reader = await AnnDataReader.open(DEMO_H5AD);
  const x = await reader.matrix("X");
  const block = await x.readRows(0, reader.nObs);
  const totals = new Float64Array(reader.nObs),
    nnz = new Int32Array(reader.nObs),
    sums = new Float64Array(reader.nObs);
  const logged = logNormalize(block);
  for (let r = 0; r < reader.nObs; r++) {
    for (let k = block.indptr[r]!; k < block.indptr[r + 1]!; k++) {
      totals[r]! += block.data[k]!;
      sums[r]! += logged.data[k]!;
    }
    nnz[r] = block.indptr[r + 1]! - block.indptr[r]!;
  }
  assert.deepEqual(totals, readNpy(join(dir, "count_totals.npy")).data);
  assert.deepEqual(nnz, readNpy(join(dir, "row_nnz.npy")).data);
  expectClose(sums, readNpy(join(dir, "row_sums.npy")).data as Float64Array, {
    rtol: 1e-6,
    atol: 1e-9,
    label: "row sums",
  });
  const first = readNpy(join(dir, "first_rows.npy"));
  const dense = new Float32Array(5 * reader.nVars);
  for (let r = 0; r < 5; r++)
    for (let k = logged.indptr[r]!; k < logged.indptr[r + 1]!; k++)
      dense[r * reader.nVars + logged.indices[k]!] = logged.data[k]!;
  expectClose(dense, first.data as Float32Array, { atol: 1e-6, label: "first rows" });
  reader.close();
});

for (const method of ["gs", "gs10k"]) {
  for (const input of INPUTS) {
    test(`${method} on ${basename(input)} matches the fixture (gene columns exact, values 1e-6)`, async (t) => {
      const dir = join(FIXTURES, method);
      const reader = await AnnDataReader.open(input);
      const { ids } = await ensemblIds(reader);
      const columns = panelColumns(readGeneList(shippedGeneList(method)), ids);
      assert.deepEqual(columns, readNpy(join(dir, "gene_columns.npy")).data);

      const log = memoryLogger();
      const embedder = await getMethod(method).prepare({
        reader,
        options: getMethod(method).options.parse({}),
        log,
        dataset: testDataset([input], tempDir(t)),
      });
      const block = logNormalize(await (await reader.matrix("X")).readRows(0, 200));
      const D = embedder.dim;
      const got = new Float32Array(200 * D);
      embedder.embed(block, got, 0);
      assert.equal(D, columns.length);

      const indptr = readNpy(join(dir, "first200_csr_indptr.npy")).data as BigInt64Array;
      const indices = readNpy(join(dir, "first200_csr_indices.npy")).data as Int32Array;
      const data = readNpy(join(dir, "first200_csr_data.npy")).data as Float32Array;
      const expected = new Float32Array(200 * D);
      for (let r = 0; r < 200; r++)
        for (let k = Number(indptr[r]); k < Number(indptr[r + 1]); k++) expected[r * D + indices[k]!] = data[k]!;
      expectClose(got, expected, { atol: 1e-6, label: `${method} rows 0-199` });
      const rowSums = Float64Array.from({ length: 200 }, (_, r) =>
        got.subarray(r * D, (r + 1) * D).reduce((a, b) => a + b, 0),
      );
      expectClose(rowSums, readNpy(join(dir, "first200_row_sums.npy")).data as Float64Array, {
        rtol: 1e-6,
        label: `${method} row sums`,
      });
      const present = columns.filter((c) => c >= 0).length;
      assert.ok(
        log.lines.some((l) => l.includes(`${method}: ${present}/${columns.length} genes found`)),
        `logs the gene overlap: ${log.lines.join(" | ")}`,
      );
      reader.close();
    });
  }
}
