/** The committed fixtures are the ones the manifest names: every file listed, every sha256 equal. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { FIXTURES } from "./helpers/paths.ts";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(FIXTURES, join(e.parentPath, e.name)))
    .filter((p) => p !== "SHA256SUMS")
    .sort();
}

test("test/fixtures/SHA256SUMS lists every fixture file with its sha256 (scripts/fixtures/manifest.sh writes it)", () => {
  const listed = new Map(
    readFileSync(join(FIXTURES, "SHA256SUMS"), "utf8")
      .trim()
      .split("\n")
      .map((line) => {
        const [sum, path] = line.split(/ {2}/) as [string, string];
        return [path, sum] as const;
      }),
  );
  const files = filesUnder(FIXTURES);
  assert.deepEqual(files, [...listed.keys()].sort(), "files on disk vs SHA256SUMS");
  const differing = files.filter(
    (f) =>
      createHash("sha256")
        .update(readFileSync(join(FIXTURES, f)))
        .digest("hex") !== listed.get(f),
  );
  assert.deepEqual(differing, [], "files whose content differs from SHA256SUMS");
});
