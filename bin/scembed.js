#!/usr/bin/env node
// The CLI, compiled to dist/ by `npm run build` (run by `npm ci` through the prepare script).
import { existsSync } from "node:fs";

const main = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("scembed is not built: run `npm run build` (npm ci does it) first\n");
  process.exit(2);
}
await import(main.href);
