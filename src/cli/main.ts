/** The CLI: argv → options → library call. The only place that sets exit codes. */
import {
  ConfigError,
  createLogger,
  InterruptedError,
  packageVersion,
  ScembedError,
  type FileReport,
} from "../index.ts";
import { parseCommandLine, USAGE } from "./args.ts";
import { handleInterrupts, SIGNAL_EXIT_CODE } from "./interrupt.ts";
import { demoCommand } from "./commands/demo.ts";
import { embedCommand } from "./commands/embed.ts";
import { gpuCommand } from "./commands/gpu.ts";
import { inspectCommand } from "./commands/inspect.ts";
import { reportCommand } from "./commands/report.ts";
import { printReports } from "./commands/summary-print.ts";
import { runCommand, statusCommand, taskCommand } from "./commands/run.ts";

const out = (text: string) => process.stdout.write(text + "\n");

async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv);
  if (args.flags.version) {
    out(packageVersion());
    return 0;
  }
  if (args.flags.help || args.command === "help") {
    out(USAGE);
    return 0;
  }
  if (args.command === "") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const log = createLogger({ quiet: Boolean(args.flags.quiet) });
  let reports: FileReport[];
  switch (args.command) {
    case "embed":
      reports = await embedCommand(args, log);
      break;
    case "prepare":
      reports = await embedCommand(args, log, true);
      break;
    case "run":
      reports = await runCommand(args, log, out);
      break;
    case "task":
      reports = await taskCommand(args, log);
      break;
    case "demo":
      reports = await demoCommand(log, out);
      break;
    case "inspect":
      await inspectCommand(args, out);
      return 0;
    case "status":
      return statusCommand(args, out);
    case "gpu":
      return gpuCommand(out);
    case "report":
      await reportCommand(args, log, out);
      return 0;
    default:
      throw new ConfigError(`unknown command '${args.command}'`, { fix: "run `scembed --help`" });
  }
  const failures = printReports(reports, out);
  if (failures > 0) process.stderr.write(`${failures} embedding(s) failed; see the messages above\n`);
  return failures > 0 ? 1 : 0;
}

handleInterrupts();
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof InterruptedError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = SIGNAL_EXIT_CODE[err.signal];
  } else if (err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof ScembedError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`internal error: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  }
}
