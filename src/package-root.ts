/** Files shipped with the package (gene lists, demo data), found from wherever this module runs. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

export function packagePath(...parts: string[]): string {
  if (!root) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
    root = dir;
  }
  return join(root, ...parts);
}

/** This package's version, from its package.json. */
export function packageVersion(): string {
  return String(JSON.parse(readFileSync(packagePath("package.json"), "utf8")).version);
}
