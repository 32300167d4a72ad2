/** `scembed demo`: the main job on the real dataset shipped in data/, then what it wrote. */
import {
  buildReport,
  formatInspection,
  inspectFile,
  packagePath,
  packageVersion,
  writeReport,
  type FileReport,
  type Logger,
} from "../../index.ts";
import { resolve } from "node:path";
import { embedCommand } from "./embed.ts";

const DEMO_INPUT = packagePath("data", "pbmc_10x_3chem.h5ad");

export async function demoCommand(log: Logger, out: (text: string) => void): Promise<FileReport[]> {
  const output = resolve("out/demo/pbmc_10x_3chem.zarr");
  out(`demo: embedding ${DEMO_INPUT}\n   → ${output} with gs, gs10k, hvg and pca`);
  const reports = await embedCommand(
    {
      command: "embed",
      flags: { input: DEMO_INPUT, output, methods: "gs,gs10k,hvg,pca" },
      positionals: [],
      overrides: [],
    },
    log,
  );
  out("\nwhat the output holds now:\n" + formatInspection(await inspectFile(output)));
  out(`\nread it in Python: anndata.read_zarr("${output}").obsm["X_gs10k"]`);
  if (reports.some((r) => r.error || r.results.some((m) => m.status === "failed"))) return reports;
  out("\nthe QC report (sanity, UMAP, batch mixing across the three 10x chemistries):");
  const data = await buildReport({
    inputs: [output],
    batchKey: "batch",
    workDir: resolve("out/demo"),
    title: "scembed demo: 2,860 PBMCs from three 10x chemistries",
    version: packageVersion(),
    log,
  });
  const written = await writeReport(data, resolve("out/demo/report.html"));
  out(`report: ${written.html}\n        ${written.json}  (open the .html in a browser; it works offline)`);
  return reports;
}
