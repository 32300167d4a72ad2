/** argv → command, flags and Hydra overrides. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCommandLine } from "../src/cli/args.ts";
import { runCli } from "./helpers/cli.ts";

test("flags, positionals and overrides are told apart", () => {
  const p = parseCommandLine([
    "embed",
    "-c",
    "d.yaml",
    "-s",
    "embedding_cpu",
    "++embedding_cpu.methods=[gs]",
    "embedding_cpu.overwrite=true",
    "~x.y",
    "--quiet",
  ]);
  assert.equal(p.command, "embed");
  assert.deepEqual({ ...p.flags }, { config: "d.yaml", section: "embedding_cpu", quiet: true });
  assert.deepEqual(p.overrides, ["++embedding_cpu.methods=[gs]", "embedding_cpu.overwrite=true", "~x.y"]);
  assert.deepEqual(parseCommandLine(["inspect", "f.zarr", "--json"]).positionals, ["f.zarr"]);
});

test("usage errors exit 2 with a hint; --help and --version exit 0", () => {
  const bad = runCli(["embed", "--no-such-flag"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option '--no-such-flag'.*scembed --help/s);
  const missing = runCli(["embed", "--input", "x.h5ad"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing --output, --methods/);
  assert.equal(runCli(["frobnicate"]).code, 2);
  const help = runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /scembed embed --input/);
  assert.match(runCli(["--version"]).stdout, /^\d+\.\d+\.\d+/);
});
