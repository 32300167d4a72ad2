/**
 * The fault matrix (issue 14): garbage in, loud failure. Each case builds a small broken input,
 * runs the real CLI and checks the exit code and that stderr names the file or key and a fix;
 * then, for every case, that the input's bytes are unchanged and that the output holds exactly the
 * complete obsm arrays the case expects (none of a failed method) and no temp array.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readScviModel } from "../src/models/scvi.ts";
import { runCliAsync, type CliResult } from "./helpers/cli.ts";
import {
  alive,
  cliWithSignal,
  datasetConfig,
  GENES,
  makeInput,
  outputState,
  setStored,
  toBlosc,
  writing,
} from "./helpers/fault-inputs.ts";
import { FIXTURES, REAL, tempDir } from "./helpers/paths.ts";
import { treeHash } from "./helpers/tree-hash.ts";

interface Setup {
  args: string[];
  inputs: string[];
  outputs: string[];
}

interface Fault {
  name: string;
  setup(dir: string): Promise<Setup>;
  expect: { code: number; stderr?: RegExp };
  /** the obsm keys complete in each output afterwards; none by default */
  complete?: string[];
  /** runs alone: it signals a process once it sees it writing, which a busy test process would see late */
  serial?: boolean;
  /** runs the CLI itself (signals, reruns, concurrent writers) instead of one run of `args` */
  run?(s: Setup): Promise<CliResult>;
  verify?(s: Setup, r: CliResult): void | Promise<void>;
  /** why the case cannot run here, if it cannot */
  skip?: string | false;
  cleanup?(s: Setup): void;
}

/** The disk-full case mounts a small tmpfs, which needs root (as in CI). */
function tmpfsSkip(): string | false {
  const probe = mkdtempSync(join(tmpdir(), "scembed-mount-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe]);
    return false;
  } catch {
    return "cannot mount a tmpfs here (needs root): the disk-full case runs in CI";
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** embed of one file; `in` and `out` are the paths of the setup */
const embedOne = async (
  dir: string,
  methods: string,
  opts: Parameters<typeof makeInput>[1] = {},
  ...extra: string[]
): Promise<Setup> => {
  const input = await makeInput(dir, opts);
  const output = join(dir, "out", "chunk_0.zarr");
  return {
    args: ["embed", "--input", input, "--output", output, "--methods", methods, ...extra],
    inputs: [input],
    outputs: [output],
  };
};
const edited =
  (
    methods: string,
    opts: Parameters<typeof makeInput>[1],
    edit: (input: string) => Promise<void> | void,
    ...extra: string[]
  ) =>
  async (dir: string) => {
    const s = await embedOne(dir, methods, opts, ...extra);
    await edit(s.inputs[0]!);
    return s;
  };
const LOGNORM = { nObs: 3200, x: "lognorm", withCounts: false, density: 0.05 } as const;
/** gs10k in 8-row blocks: 300 chunk files, long enough to be caught mid-write */
const SLOW = { nObs: 2400, genes: GENES, density: 0.05 } as const;
const SMALL = { nObs: 150 } as const;
const SCVI = join(FIXTURES, "scvi/census_like_nlayers2");
/** the same command again, in larger blocks (faster; the block size does not change what is written) */
const faster = (args: string[]) =>
  args[0] === "run"
    ? [...args, "++embedding_cpu.chunk_rows=1024"]
    : args.map((a, i) => (args[i - 1] === "--chunk-rows" ? "1024" : a));
const rerun = async (s: Setup) => assert.equal((await runCliAsync(faster(s.args))).code, 0, "a rerun completes");

const CASES: Fault[] = [
  // 2. values checked in every block, past the rows that decide x_is
  {
    name: "log-normalized X: NaN in row 3000",
    setup: edited("gs,gs10k", LOGNORM, (i) => setStored(i, "X", 3000, NaN)),
    expect: {
      code: 1,
      stderr:
        /chunk_0\.zarr, key 'X': a NaN \(NaN\) in row 3000, column \d+ of the log-normalized expression\n\s+fix: /s,
    },
    verify: (_, r) => assert.match(r.stderr, /X_gs10k failed: the same error as X_gs\n/),
  },
  {
    name: "log-normalized X: −5 in row 3100",
    setup: edited("gs", LOGNORM, (i) => setStored(i, "X", 3100, -5)),
    expect: { code: 1, stderr: /key 'X': a negative value \(-5\) in row 3100.*fix: /s },
  },
  {
    name: "fractional raw counts for Geneformer's tokenizer",
    setup: edited("geneformer-v1", { nObs: 2100 }, (i) => setStored(i, "layers/counts", 2050, 2.5)),
    expect: {
      code: 1,
      stderr: /key 'layers\/counts': a non-integer value \(2\.5\) in row 2050.*fix: .*integer UMI counts/s,
    },
  },
  {
    name: "NaN raw counts for scVI",
    setup: async (dir) => {
      const s = await embedOne(
        dir,
        "scvi_fm",
        { nObs: 2200, genes: readScviModel(SCVI).varNames.slice(0, 400) },
        `++init_kwargs_scvi_fm.model_dir=${SCVI}`,
      );
      await setStored(s.inputs[0]!, "layers/counts", 2100, NaN);
      return s;
    },
    expect: { code: 1, stderr: /key 'layers\/counts': a NaN \(NaN\) in row 2100.*fix: /s },
  },
  // 4. an output made from another input
  {
    name: "stale output: the input regenerated with other cells",
    setup: async (dir) => {
      const s = await embedOne(dir, "gs,gs10k", SMALL);
      assert.equal((await runCliAsync([...s.args.slice(0, -1), "gs"])).code, 0);
      rmSync(s.inputs[0]!, { recursive: true });
      await makeInput(dir, { ...SMALL, seed: 6 });
      return s;
    },
    expect: {
      code: 1,
      stderr:
        /out\/chunk_0\.zarr, key 'scembed\.input.*made from another input: .*chunk_0\.zarr.*the input now is .*chunk_0\.zarr.*fix: rerun with overwrite/s,
    },
    complete: ["X_gs"],
    verify: async (s) => {
      const r = await runCliAsync([...s.args, "--overwrite"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /re-creating it from/);
      assert.deepEqual((await outputState(s.outputs[0]!)).complete, ["X_gs", "X_gs10k"]);
      rmSync(join(s.outputs[0]!, "obsm/X_gs10k"), { recursive: true }); // so that the common check below sees X_gs alone
    },
  },
  {
    name: "an output written before identities were recorded is accepted, then stamped",
    setup: async (dir) => {
      const s = await embedOne(dir, "gs10k", SMALL);
      assert.equal((await runCliAsync([...s.args.slice(0, -1), "gs"])).code, 0);
      for (const file of [".zattrs", ".zmetadata"].filter((f) => existsSync(join(s.outputs[0]!, f))))
        writeFileSync(
          join(s.outputs[0]!, file),
          readFileSync(join(s.outputs[0]!, file), "utf8").replace(
            /"scembed"[\s\S]*?"x_nnz": \d+\s*}\s*}/,
            '"stamp": 0',
          ),
        );
      return s;
    },
    expect: { code: 0, stderr: /WARN .*records no input identity.*accepted, identity recorded/ },
    complete: ["X_gs", "X_gs10k"],
    verify: (s) => assert.match(readFileSync(join(s.outputs[0]!, ".zattrs"), "utf8"), /"fingerprint": "sha256:/),
  },
  // 5. interrupts: no orphan, no temp array, a rerun completes
  {
    name: "SIGINT to embed",
    setup: (dir) => embedOne(dir, "gs10k", SLOW, "--chunk-rows", "8"),
    expect: { code: 130, stderr: /interrupted by SIGINT: this run's temp arrays were removed/ },
    run: (s) => cliWithSignal(s.args, "SIGINT", () => writing(s.outputs[0]!)),
    verify: rerun,
    complete: ["X_gs10k"],
    serial: true,
  },
  {
    name: "SIGTERM to run: its workers end too",
    setup: async (dir) => {
      const inputs = [await makeInput(dir, SLOW), await makeInput(dir, SLOW, "chunk_1.zarr")];
      const config = join(dir, "run.yaml");
      writeFileSync(
        config,
        `embedding_cpu: {methods: [gs10k], chunk_rows: 8, input_files: [${inputs.join(", ")}], output_dir: ${join(dir, "out")}}\n`,
      );
      return {
        args: ["run", "-c", config, "--workers", "2", "--quiet"],
        inputs,
        outputs: inputs.map((i) => i.replace(dir, join(dir, "out", dir.split("/").pop()!))),
      };
    },
    expect: { code: 143, stderr: /interrupted by SIGTERM: the workers were stopped/ },
    complete: ["X_gs10k"],
    serial: true,
    run: async (s) => {
      const r = await cliWithSignal(s.args, "SIGTERM", () => writing(s.outputs[0]!), true);
      assert.ok(r.children.length >= 1, `workers were running\n${r.stderr}`);
      assert.deepEqual(r.children.filter(alive), [], "no worker outlives the run");
      return r;
    },
    verify: rerun,
  },
  {
    name: "SIGKILL mid-write, then a rerun",
    setup: (dir) => embedOne(dir, "gs10k", SLOW, "--chunk-rows", "8"),
    expect: { code: 0 },
    complete: ["X_gs10k"],
    serial: true,
    run: async (s) => {
      assert.equal((await cliWithSignal(s.args, "SIGKILL", () => writing(s.outputs[0]!, 3))).code, 137);
      assert.deepEqual((await outputState(s.outputs[0]!)).complete, [], "nothing complete after the kill");
      return runCliAsync(faster(s.args));
    },
  },
  {
    name: "two concurrent writers into one new output",
    setup: (dir) => embedOne(dir, "gs", { nObs: 600 }, "--chunk-rows", "64"),
    expect: { code: 0 },
    complete: ["X_gs", "X_gs10k"],
    run: async (s) => {
      const [a, b] = await Promise.all([
        runCliAsync(s.args),
        runCliAsync([...s.args.slice(0, 6), "gs10k", ...s.args.slice(7)]),
      ]);
      return { code: Math.max(a.code ?? 9, b.code ?? 9), stdout: a.stdout + b.stdout, stderr: a.stderr + b.stderr };
    },
  },
  // 7. outputs, caches and temp paths never inside an input
  {
    name: "--output inside the input",
    setup: async (dir) => {
      const s = await embedOne(dir, "gs");
      return {
        ...s,
        args: [
          ...s.args.slice(0, 4),
          join(s.inputs[0]!, "obsm/out.zarr"),
          ...s.args.slice(5),
          `++cache_dir=${join(dir, "c")}`,
        ],
        outputs: [join(s.inputs[0]!, "obsm/out.zarr")],
      };
    },
    expect: { code: 2, stderr: /key 'output'.*obsm\/out\.zarr would be inside the input .*chunk_0\.zarr.*fix: /s },
  },
  {
    name: "cache_dir inside the input",
    setup: async (dir) => {
      const s = await embedOne(dir, "gs");
      return { ...s, args: [...s.args, `++cache_dir=${join(s.inputs[0]!, "cache")}`] };
    },
    expect: { code: 2, stderr: /key 'embedding_cpu\.cache_dir'.*inside the input.*fix: choose a cache_dir/s },
  },
  {
    name: "output_dir = the input dataset folder",
    setup: async (dir) => {
      const d = datasetConfig(dir, "methods: [gs]");
      const inputs = [await makeInput(d.folder)];
      writeFileSync(join(d.folder, "chunk_1.h5ad"), "");
      return {
        args: [
          "embed",
          "-c",
          d.config,
          "-s",
          "embedding_cpu",
          `++base_file_path=${d.base}`,
          `++embedding_cpu.output_dir=${join(d.base, "processed/test/ds")}`,
        ],
        inputs,
        outputs: inputs,
      };
    },
    expect: { code: 2, stderr: /output.*(the input itself|beside the inputs).*chunk_0\.zarr.*fix: /s },
  },
  // 8. duplicate stems, repeated methods
  {
    name: "chunk_1.h5ad and chunk_1.zarr in one split",
    setup: async (dir) => {
      const d = datasetConfig(dir, "methods: [gs]");
      const inputs = [await makeInput(d.folder, {}, "chunk_1.zarr")];
      writeFileSync(join(d.folder, "chunk_1.h5ad"), "");
      return {
        args: ["embed", "-c", d.config, "-s", "embedding_cpu", `++base_file_path=${d.base}`],
        inputs,
        outputs: [join(dir, "base/processed_with_emb/test/ds/all/chunk_1.zarr")],
      };
    },
    expect: {
      code: 2,
      stderr: /chunk_1\.(h5ad|zarr) and .*chunk_1\.(h5ad|zarr) would both write .*chunk_1\.zarr.*fix: keep one of/s,
    },
  },
  {
    name: "--methods gs,gs computes gs once",
    setup: (dir) => embedOne(dir, "gs,gs"),
    expect: { code: 0, stderr: /WARN .*methods: gs listed more than once; computed once/ },
    complete: ["X_gs"],
    verify: (_, r) => assert.equal(r.stdout.match(/X_gs +written/g)?.length, 1),
  },
  // 11. smaller ones
  {
    name: "no arguments: usage on stderr, exit 2",
    setup: async () => ({ args: [], inputs: [], outputs: [] }),
    expect: { code: 2, stderr: /^scembed — .*usage:/s },
    verify: (_, r) => assert.equal(r.stdout, ""),
  },
  {
    name: "a file-level error is said once, not once per method",
    setup: async (dir) => ({
      args: ["embed", "--input", join(dir, "nope.zarr"), "--output", join(dir, "o.zarr"), "--methods", "gs,gs10k,pca"],
      inputs: [],
      outputs: [],
    }),
    expect: { code: 1, stderr: /nope\.zarr: file not found\n\s+fix: / },
    verify: (_, r) => {
      assert.equal(r.stdout.match(/file not found/g)?.length, 1, r.stdout);
      assert.equal(r.stderr.match(/file not found/g)?.length, 1, r.stderr);
    },
  },
  {
    name: "inspect: a method that needs a model is not 'ready'",
    setup: async (dir) => {
      const s = await embedOne(dir, "gs");
      return { ...s, args: ["inspect", s.inputs[0]!], outputs: [] };
    },
    expect: { code: 0 },
    verify: (_, r) => {
      assert.match(r.stdout, /geneformer +needs init_kwargs\.model_dir;/);
      assert.match(r.stdout, /scvi_fm +needs init_kwargs\.model_dir;/);
    },
  },
  {
    name: "hvg reuse without var['highly_variable'], too few genes for 512",
    setup: (dir) => embedOne(dir, "hvg", {}, "++hvg.source=reuse"),
    expect: {
      code: 1,
      stderr:
        /the file has no var\['highly_variable'\]; selecting on this file alone.*chunk_0\.zarr: only \d+ genes could be selected as highly variable, 512 requested\n\s+fix: lower embedding_dim_map\.hvg/s,
    },
  },
  {
    name: "duplicate Ensembl ids: a warning says which one is used",
    setup: (dir) => embedOne(dir, "gs", { genes: GENES.map((g, i) => (i === 50 ? GENES[5]! : g)) }),
    expect: {
      code: 0,
      stderr:
        /WARN .*gs: ids in var\['ensembl_id'\]: 1 occur more than once: ENSG\d+ at columns 5 and 50; the first column of each is used/,
    },
    complete: ["X_gs"],
  },
  // faults that already failed loudly
  {
    name: "corrupt gzip chunk",
    setup: edited("gs", {}, (i) => writeFileSync(join(i, "X/data/1"), "not gzip")),
    expect: { code: 1, stderr: /chunk_0\.zarr, key 'X\/data': chunk '1' is corrupt.*fix: /s },
  },
  {
    name: "truncated blosc chunk",
    setup: edited("gs", {}, async (i) => {
      await toBlosc(join(i, "X/data"));
      truncateSync(join(i, "X/data/0"), Math.floor(readFileSync(join(i, "X/data/0")).length / 2));
    }),
    expect: { code: 1, stderr: /key 'X\/data': chunk '0' is corrupt: blosc: .*fix: /s },
  },
  {
    name: "zarr v3: a truncated shard",
    setup: async (dir) => {
      const input = join(dir, "chunk_0.zarr");
      cpSync(join(REAL, "pbmc_10x_3chem.first500.v3.zarr"), input, { recursive: true });
      truncateSync(join(input, "X/data/c/0"), 40000);
      return {
        args: ["embed", "--input", input, "--output", join(dir, "out/chunk_0.zarr"), "--methods", "gs"],
        inputs: [input],
        outputs: [join(dir, "out/chunk_0.zarr")],
      };
    },
    expect: { code: 1, stderr: /chunk_0\.zarr, key 'X\/data': shard 'c\/0'.*fix: /s },
  },
  {
    name: "a dtype that is not numbers (complex X)",
    setup: edited("gs", {}, (i) =>
      writeFileSync(
        join(i, "X/data/.zarray"),
        readFileSync(join(i, "X/data/.zarray"), "utf8").replace('"<f4"', '"<c8"'),
      ),
    ),
    expect: { code: 1, stderr: /key 'X\/data': unsupported dtype '<c8'.*fix: /s },
  },
  {
    name: "a CSC matrix",
    setup: edited("gs", {}, (i) =>
      writeFileSync(
        join(i, "X/.zattrs"),
        readFileSync(join(i, "X/.zattrs"), "utf8").replace("csr_matrix", "csc_matrix"),
      ),
    ),
    expect: { code: 1, stderr: /key 'X': CSC matrices cannot be streamed by rows.*fix: convert to CSR/s },
  },
  {
    name: "a 2^40-element chunk header",
    setup: edited("gs", {}, (i) =>
      writeFileSync(
        join(i, "X/data/.zarray"),
        readFileSync(join(i, "X/data/.zarray"), "utf8").replace(/"chunks":\s*\[\d+\]/, `"chunks": [${2 ** 40}]`),
      ),
    ),
    expect: { code: 1, stderr: /key 'X\/data': chunk '0' is corrupt.*fix: /s },
  },
  {
    name: "a truncated h5ad (an interrupted copy)",
    setup: async (dir) => {
      const input = join(dir, "chunk_0.h5ad");
      cpSync(join(REAL, "pbmc1k_v3_chr21.h5ad"), input);
      truncateSync(input, 100_000);
      const output = join(dir, "out", "chunk_0.zarr");
      return {
        args: ["embed", "--input", input, "--output", output, "--methods", "gs"],
        inputs: [input],
        outputs: [output],
      };
    },
    expect: {
      code: 1,
      stderr:
        /chunk_0\.h5ad: the file is truncated: its HDF5 superblock says it ends at byte \d+, but it has 100000 bytes.*fix: copy it again/s,
    },
  },
  {
    name: "disk full during an obsm write",
    skip: tmpfsSkip(),
    setup: async (dir) => {
      const input = join(dir, "chunk_0.zarr");
      cpSync(join(REAL, "pbmc1k_v3_chr21.zarr"), input, { recursive: true });
      // room for the output's copy and X_pca, not for X_gs10k
      const disk = join(dir, "disk");
      mkdirSync(disk);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=700k", "tmpfs", disk]);
      const output = join(disk, "chunk_0.zarr");
      return {
        args: ["embed", "--input", input, "--output", output, "--methods", "pca,gs10k"],
        inputs: [input],
        outputs: [output],
      };
    },
    expect: { code: 1, stderr: /chunk_0\.zarr, key 'X_gs10k': cannot write: ENOSPC.*fix: free space on that disk/s },
    complete: ["X_pca"],
    verify: (s) => assert.match(execFileSync("df", [join(s.outputs[0]!, "..")], { encoding: "utf8" }), /tmpfs/),
    cleanup: (s) => execFileSync("umount", [join(s.outputs[0]!, "..")]),
  },
  {
    name: "a malicious pickle as the PCA model",
    setup: async (dir) => {
      const evil = join(dir, "evil.pkl");
      const command = Buffer.from(`touch ${join(dir, "pwned")}`);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(command.length);
      // protocol 2: GLOBAL posix.system, BINUNICODE command, TUPLE1, REDUCE, STOP
      writeFileSync(
        evil,
        Buffer.concat([
          Buffer.from("\x80\x02cposix\nsystem\nX", "latin1"),
          length,
          command,
          Buffer.from("\x85R.", "latin1"),
        ]),
      );
      return embedOne(dir, "pca", {}, `++init_kwargs_pca.model_file=${evil}`);
    },
    expect: { code: 1, stderr: /evil\.pkl: not the reference's PCA pickle.*fix: /s },
    verify: (s) => assert.equal(existsSync(join(s.outputs[0]!, "../../pwned")), false, "nothing ran"),
  },
];

// two cases at a time (most of a case is waiting on a child process); the signal cases alone
describe("faults", { concurrency: 2 }, () => {
  for (const c of CASES.filter((c) => !c.serial)) caseTest(c);
});
describe("interrupts", () => {
  for (const c of CASES.filter((c) => c.serial)) caseTest(c);
});

function caseTest(c: Fault): void {
  test(c.name, { skip: c.skip ?? false }, async (t) => {
    const dir = tempDir(t, "scembed-fault-");
    const s = await c.setup(dir);
    try {
      await checkCase(c, s);
    } finally {
      c.cleanup?.(s);
    }
  });
}

async function checkCase(c: Fault, s: Setup): Promise<void> {
  const before = s.inputs.map(treeHash);
  const r = c.run ? await c.run(s) : await runCliAsync(s.args);
  assert.equal(r.code, c.expect.code, `exit code\n${r.stderr}`);
  if (c.expect.stderr) assert.match(r.stderr, c.expect.stderr);
  await c.verify?.(s, r);
  assert.deepEqual(s.inputs.map(treeHash), before, "the input's bytes are unchanged");
  for (const output of s.outputs) {
    if (s.inputs.includes(output)) continue;
    const state = await outputState(output);
    assert.deepEqual(
      state,
      { complete: c.complete ?? [], temps: [] },
      `${output}: complete obsm arrays and temp arrays`,
    );
  }
}
