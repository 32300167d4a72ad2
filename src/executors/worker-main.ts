/**
 * Entry point of a local worker process: runs the tasks its parent sends, one at a time. On SIGINT
 * or SIGTERM (passed on by the parent, or from the terminal) it removes the temp entries it was
 * writing and ends by that signal; when the parent is gone (the IPC channel closes) it does the
 * same on SIGTERM, so no orphan keeps computing.
 */
import { createLogger } from "../logger.ts";
import { removeOwnTemps } from "../pipeline/own-temps.ts";
import { runTask } from "../pipeline/run-task.ts";
import { serializeReport, type FromWorker, type ToWorker } from "./worker-protocol.ts";

const log = createLogger({ quiet: process.env["SCEMBED_QUIET"] === "1" });
const send = (m: FromWorker) => process.send!(m);
let released = false;

function end(signal: "SIGINT" | "SIGTERM"): void {
  removeOwnTemps();
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

process.once("SIGINT", () => end("SIGINT"));
process.once("SIGTERM", () => end("SIGTERM"));
process.on("disconnect", () => {
  if (!released) end("SIGTERM");
});

process.on("message", async (msg: ToWorker) => {
  if (msg.type === "exit") {
    released = true;
    process.disconnect();
    return;
  }
  const report = await runTask(msg.task, log);
  send({ type: "done", report: serializeReport(report) });
});
send({ type: "ready" });
