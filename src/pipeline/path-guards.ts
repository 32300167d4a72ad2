/**
 * Outputs never touch inputs, checked when a section is planned, before anything is written:
 * no output, output folder or preparation cache may be an input or lie inside one (real paths,
 * symlinks resolved; the temp paths and locks of an output lie beside it, so they are covered). In
 * a dataset layout the outputs may not land beside the inputs either (`output_dir` set to the
 * dataset folder), and no two inputs may share an output (`chunk_1.h5ad` and `chunk_1.zarr` in one
 * split).
 */
import { realpathSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { ConfigError } from "../errors.ts";
import type { FileLayout } from "./paths.ts";

export interface GuardedLayout {
  section: string;
  layout: FileLayout;
  cacheDir: string;
  /** the dataset layout (outputs under output_dir by split), not one file to one named output */
  dataset: boolean;
  /** false for the preparation phase, which writes no output (only the cache) */
  writesOutputs: boolean;
}

/** Throws a ConfigError naming the input and the path that would write into it or beside it. */
export function refuseOutputsInInputs(g: GuardedLayout): void {
  const inputs = g.layout.inputs.map((input) => ({ input, real: realPath(input) }));
  const outputs = g.layout.inputs.map((input) => ({ input, output: g.layout.outputFor(input) }));
  const written = g.writesOutputs ? outputs : [];
  const candidates = [
    // one named output (`embed --output`): its folder is only where it lies
    ...(g.writesOutputs && g.dataset ? [{ key: `${g.section}.output_dir`, path: g.layout.outputDir }] : []),
    { key: `${g.section}.cache_dir`, path: g.cacheDir },
    ...written.map((o) => ({ key: "output", path: o.output })),
  ];
  for (const c of candidates) {
    const real = realPath(c.path);
    const hit = inputs.find((i) => real === i.real || real.startsWith(i.real + sep));
    if (hit) {
      throw new ConfigError(
        `${c.path} would be ${real === hit.real ? "the input itself" : "inside the input"} ${hit.input}; scembed never writes into its inputs`,
        {
          key: c.key,
          fix: `choose ${c.key.endsWith("cache_dir") ? "a cache_dir" : "an output path"} outside every input file`,
        },
      );
    }
  }
  if (g.dataset) {
    const inputDirs = new Map(inputs.map((i) => [dirname(i.real), i.input]));
    for (const o of written) {
      const beside = inputDirs.get(dirname(realPath(o.output)));
      if (beside) {
        throw new ConfigError(
          `output_dir ${g.layout.outputDir} puts the outputs beside the inputs: ${o.output} would be written next to ${beside}`,
          {
            key: `${g.section}.output_dir`,
            fix: "set output_dir to a folder outside the dataset's input folders (by default <base_file_path>/processed_with_emb/…)",
          },
        );
      }
    }
  }
  const writer = new Map<string, string>();
  for (const o of outputs) {
    const other = writer.get(o.output);
    if (other !== undefined) {
      throw new ConfigError(`${other} and ${o.input} would both write ${o.output} (the same chunk stem in one split)`, {
        key: `${g.section}.input_files`,
        fix: `keep one of ${basename(other)} and ${basename(o.input)} in that split folder (move the other away), or list input_files`,
      });
    }
    writer.set(o.output, o.input);
  }
}

/** The real path of `p`, or of its nearest existing ancestor with the rest appended. */
function realPath(p: string): string {
  let head = resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...rest);
    } catch {
      const parent = dirname(head);
      if (parent === head) return resolve(p);
      rest.unshift(basename(head));
      head = parent;
    }
  }
}
