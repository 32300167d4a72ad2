/** Entry point of a local worker process: runs the tasks its parent sends, one at a time. */
import { createLogger } from "../logger.ts";
import { runTask } from "../pipeline/run-task.ts";
import { serializeReport, type FromWorker, type ToWorker } from "./worker-protocol.ts";

const log = createLogger({ quiet: process.env["SCEMBED_QUIET"] === "1" });
const send = (m: FromWorker) => process.send!(m);

process.on("message", async (msg: ToWorker) => {
  if (msg.type === "exit") {
    process.disconnect();
    return;
  }
  const report = await runTask(msg.task, log);
  send({ type: "done", report: serializeReport(report) });
});
send({ type: "ready" });
