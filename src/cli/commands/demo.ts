/** `scembed demo`: the main job on the real dataset shipped in data/, then what it wrote. */
import { formatInspection, inspectFile, packagePath, type FileReport, type Logger } from "../../index.ts";
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
  return reports;
}
