/**
 * Picks the Device a model runs on: `cuda` (fail if none), `cpu`, or `auto` (CUDA when it opens,
 * else the CPU with a warning; the CPU is the fast device: OpenBLAS GEMMs, blocked attention). Transient initialization failures (a busy or not yet ready GPU)
 * are retried with growing pauses, as the reference does (30 s, then 60 s; 3 tries). One CUDA
 * device per process, opened once.
 */
import { ConfigError, CudaError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { cpuDevice } from "../models/cpu-device.ts";
import { FastCpuDevice } from "../models/fast-cpu-device.ts";
import type { Device } from "../models/device.ts";
import type { CudaDevice } from "./cuda-device.ts";
import { openCudaDevice } from "./cuda-open.ts";

/** `cpu-reference`: the scalar reference ops (slow; for checking and for tests that need a slow run) */
export type DeviceChoice = "auto" | "cuda" | "cpu" | "cpu-reference";

export interface RetryPolicy {
  /** tries in all */
  attempts: number;
  /** pause before the 2nd, 3rd, … try, seconds (the last repeats) */
  delaysS: number[];
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, delaysS: [30, 60] };

export function deviceChoice(value: unknown, key: string): DeviceChoice {
  const v = value ?? process.env["SCEMBED_DEVICE"] ?? "auto";
  if (v === "auto" || v === "cuda" || v === "cpu" || v === "cpu-reference") return v;
  throw new ConfigError(`device must be auto, cuda, cpu or cpu-reference, got '${String(v)}'`, { key });
}

let cuda: Promise<CudaDevice> | undefined;

type Opener = () => Promise<{ device: CudaDevice; paths: Record<string, string> }>;

/** Opens the device, retrying transient CUDA errors after the policy's pauses; others throw at once. */
export async function openWithRetry(
  log: Logger,
  retry: RetryPolicy,
  sleep: (s: number) => Promise<void>,
  open: Opener = () => openCudaDevice(),
): Promise<CudaDevice> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { device, paths } = await open();
      const { name, computeCapability: cc, driverVersion, pciBusId } = device.info;
      log.info(
        `CUDA device ${name} (PCI ${pciBusId}, compute capability ${cc.join(".")}, driver API ${driverVersion}); libraries: ${Object.entries(
          paths,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`,
      );
      return device;
    } catch (e) {
      if (!(e instanceof CudaError && e.transient) || attempt >= retry.attempts) throw e;
      const delay = retry.delaysS[Math.min(attempt - 1, retry.delaysS.length - 1)] ?? 0;
      log.warn(
        `CUDA initialization failed (${e.message.split("\n")[0]}); try ${attempt + 1} of ${retry.attempts} in ${delay} s`,
      );
      await sleep(delay);
    }
  }
}

export async function selectDevice(
  choice: DeviceChoice,
  log: Logger,
  retry = DEFAULT_RETRY,
  sleep = (s: number) => new Promise<void>((r) => setTimeout(r, s * 1000)),
): Promise<Device> {
  if (choice === "cpu") return new FastCpuDevice();
  if (choice === "cpu-reference") return cpuDevice();
  cuda ??= openWithRetry(log, retry, sleep);
  try {
    return await cuda;
  } catch (e) {
    cuda = undefined;
    if (choice === "cuda") throw e;
    log.warn(
      `no usable CUDA device, running on the CPU (slow for real models): ${(e as Error).message.split("\n")[0]}`,
    );
    return new FastCpuDevice();
  }
}
