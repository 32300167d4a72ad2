/** A hash over every file (path + bytes) under a path: proves an input was not modified. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export function treeHash(root: string): string {
  const h = createHash("sha256");
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name));
    } else {
      h.update(relative(root, p));
      h.update(readFileSync(p));
    }
  };
  walk(root);
  return h.digest("hex");
}
