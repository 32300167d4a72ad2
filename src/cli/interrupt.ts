/**
 * What SIGINT and SIGTERM do, and their exit codes (130, 143). By default: remove this process's
 * temp entries, say so in one line, exit. `run` hands the signal to its executor instead, which
 * stops its workers; the run then ends with an InterruptedError, which main.ts turns into the same
 * exit code.
 */
import { removeOwnTemps } from "../index.ts";

export type StopSignal = "SIGINT" | "SIGTERM";
export const SIGNAL_EXIT_CODE: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

let stopper: ((signal: StopSignal) => void) | undefined;

export function handleInterrupts(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopper) return stopper(signal);
      removeOwnTemps();
      process.stderr.write(
        `\ninterrupted by ${signal}: this run's temp arrays were removed; complete embeddings are kept, rerun to finish\n`,
      );
      process.exit(SIGNAL_EXIT_CODE[signal]);
    });
  }
}

/** From now on a signal calls `stop` (again on a second signal) instead of exiting. */
export function onInterrupt(stop: (signal: StopSignal) => void): void {
  stopper = stop;
}
