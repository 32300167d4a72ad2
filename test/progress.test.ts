/**
 * Progress through the logger: lines on a non-terminal (start, every 10 %, at least every
 * interval, done with the rate), a redrawn bar on a terminal, JSON lines with their fields,
 * --quiet, and `progressTo` moving the innermost phase from inside one of its steps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { memoryLogger } from "../src/logger.ts";
import { tempDir } from "./helpers/paths.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a non-terminal gets a line at the start, at 10 % steps (2 s apart at least) and at the end", async () => {
  const log = memoryLogger({ progressIntervalMs: 60_000 });
  const p = log
    .child("embedding_gpu#3 train/chunk_3.zarr", undefined, { task: "embedding_gpu#3" })
    .progress("embed", 1000, { method: "geneformer" });
  p.update(50);
  p.update(120); // crossed 10 %, but the start line is under 2 s old
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0]!, /INFO {2}\[embedding_gpu#3 train\/chunk_3\.zarr\] embed geneformer: 1,000 cells$/);
  await sleep(2100);
  p.update(130);
  assert.equal(log.lines.length, 1, "the 10 % step was passed already");
  p.update(210);
  assert.match(log.lines.at(-1)!, /embed geneformer: 210\/1,000 cells \(21 %\), [\d.,]+ cells\/s, ETA \d/);
  p.update(1000);
  p.finish();
  assert.match(log.lines.at(-1)!, /embed geneformer: done, 1,000 cells in \d+\.\ds \([\d.,]+ cells\/s\)$/);
});

test("a phase whose steps are slow to come still gets a line every interval (the timer)", async () => {
  const log = memoryLogger({ progressIntervalMs: 100 });
  const p = log.progress("tokenize", 1000, { method: "geneformer" });
  p.update(50);
  await sleep(350);
  p.finish();
  const timed = log.lines.filter((l) => / 50\/1,000 cells \(5 %\)/.test(l));
  assert.ok(timed.length >= 2, log.lines.join("\n"));
});

test("JSON lines carry time, level, task, file, method, phase and the cell counts", () => {
  const log = memoryLogger({ format: "json" });
  const task = log.child("ignored in JSON", undefined, { task: "embedding_cpu#0", file: "/d/chunk_0.zarr" });
  task.info("embed gs → out");
  const p = task.progress("tokenize", 10, { method: "geneformer-v1" });
  p.update(10);
  p.finish();
  const objs = log.lines.map((l) => JSON.parse(l));
  assert.deepEqual(Object.keys(objs[0]), [
    "time",
    "level",
    "task",
    "file",
    "method",
    "phase",
    "cellsDone",
    "cellsTotal",
    "message",
  ]);
  assert.deepEqual(
    { ...objs[0], time: 0 },
    {
      time: 0,
      level: "info",
      task: "embedding_cpu#0",
      file: "/d/chunk_0.zarr",
      method: null,
      phase: null,
      cellsDone: null,
      cellsTotal: null,
      message: "embed gs → out",
    },
  );
  assert.deepEqual(
    [objs[1].phase, objs[1].method, objs[1].cellsDone, objs[1].cellsTotal],
    ["tokenize", "geneformer-v1", 0, 10],
  );
  const last = objs.at(-1);
  assert.deepEqual(
    [last.phase, last.cellsDone, last.cellsTotal, typeof last.cellsPerSecond],
    ["tokenize", 10, 10, "number"],
  );
  assert.match(last.message, /^tokenize geneformer-v1: done, 10 cells in/);
});

test("--quiet keeps progress out of stderr but in the per-file log; a terminal gets a bar redrawn in place", (t) => {
  const file = join(tempDir(t), "task.log");
  const quiet = memoryLogger({ quiet: true });
  const p = quiet.child("t", file).progress("scan", 100, { method: "hvg" }, "file 1 of 2");
  p.update(100);
  p.finish();
  assert.deepEqual(quiet.lines, []);
  assert.match(readFileSync(file, "utf8"), /scan hvg \(file 1 of 2\): 100 cells\n.*scan hvg \(file 1 of 2\): done/);

  let drawn = "";
  const terminal = new Writable({
    write(chunk, _enc, done) {
      drawn += String(chunk);
      done();
    },
  });
  const log = memoryLogger({ terminal });
  const bar = log.progress("embed", 200);
  bar.update(100);
  assert.match(drawn, /^\r\[#{12}\.{12}\] embed: 100\/200 cells \(50 %\), [\d.,]+ cells\/s, ETA [\d.]+s/);
  assert.ok(drawn.endsWith("\u001b[K"), "the rest of the line is cleared");
  assert.deepEqual(log.lines, [], "no lines while the bar shows");
  log.info("a line in between clears the bar first");
  assert.ok(drawn.endsWith("\r\x1b[K"));
  bar.finish();
  assert.match(log.lines.at(-1)!, /embed: stopped at 100 of 200, 100 cells in/);
});

test("progressTo moves the innermost phase: a block's cells as its batches finish", () => {
  const log = memoryLogger({ progressIntervalMs: 0 });
  const outer = log.progress("embed", 100);
  log.progressTo(30);
  log.progressTo(20); // never backwards
  assert.match(log.lines.at(-1)!, /embed: 30\/100 cells/);
  outer.finish();
  log.progressTo(90); // no phase: ignored
  assert.match(log.lines.at(-1)!, /embed: stopped at 30 of 100/);
});
