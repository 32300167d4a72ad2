/** Runs a command and samples its peak resident memory (VmHWM, Linux /proc) while it runs. */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Measured {
  code: number | null;
  seconds: number;
  peakMiB: number;
  stderr: string;
  stdout: string;
}

/** `fullEnv` replaces the environment (to remove variables); `env` adds to it. */
export function measure(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  captureStdout = false,
  fullEnv?: NodeJS.ProcessEnv,
): Promise<Measured> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, {
      env: fullEnv ?? { ...process.env, ...env },
      stdio: ["ignore", captureStdout ? "pipe" : "ignore", "pipe"],
    });
    let stderr = "",
      stdout = "";
    let peakKiB = 0;
    child.stderr!.on("data", (d) => (stderr += d));
    child.stdout?.on("data", (d) => (stdout += d));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        /* exited */
      }
    };
    const timer = setInterval(sample, 20);
    child.on("exit", (code) => {
      clearInterval(timer);
      resolve({ code, seconds: (Date.now() - started) / 1000, peakMiB: peakKiB / 1024, stderr, stdout });
    });
  });
}
