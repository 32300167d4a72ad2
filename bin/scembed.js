#!/usr/bin/env node
// The CLI, compiled to dist/ by `npm run build` (run by `npm ci` through the prepare script).
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";

// node:zlib (the gzip of every chunk written) and async fs run on libuv's thread pool, 4 threads
// unless told: on a many-core node, one a core (at most 16) lets chunk compression keep up with a
// GPU. Set before anything uses the pool; a value the user set wins.
process.env.UV_THREADPOOL_SIZE ??= String(Math.min(16, Math.max(4, availableParallelism())));

const main = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("scembed is not built: run `npm run build` (npm ci does it) first\n");
  process.exit(2);
}
await import(main.href);
