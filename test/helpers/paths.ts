/** Where the test data lives: the repo's data/ and the shared reference folder beside the repo. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { packagePath } from "../../src/package-root.ts";

export const REPO = packagePath();
/** ../shared beside the repo, or SCEMBED_SHARED_DIR (the GPU machine gets a copy of the parts it needs) */
export const SHARED = process.env["SCEMBED_SHARED_DIR"] ? resolve(process.env["SCEMBED_SHARED_DIR"]) : resolve(REPO, "../shared");
export const REAL = join(SHARED, "data/real");
export const FIXTURES = join(SHARED, "fixtures");
export const CLI = join(REPO, "bin/scembed.js");

export function tempDir(t: { after(fn: () => void): void }, name = "scembed-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), name));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
