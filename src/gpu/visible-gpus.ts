/**
 * The GPUs this process may use, as CUDA_VISIBLE_DEVICES entries: that variable's list when set
 * (empty or -1: none), else every device the driver reports (none without a driver). The local
 * executor gives each GPU worker one of them.
 */
import { check, checkOut } from "./check.ts";
import { candidates, LIBRARIES } from "./cuda-libraries.ts";
import { openFirst } from "./koffi.ts";

export function visibleGpus(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = env["CUDA_VISIBLE_DEVICES"];
  if (listed !== undefined) {
    const ids = listed
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const stop = ids.findIndex((s) => s.startsWith("-"));
    return stop === -1 ? ids : ids.slice(0, stop);
  }
  const r = openFirst(candidates(LIBRARIES.find((l) => l.key === "cuda")!, env));
  if (!("lib" in r)) return [];
  try {
    const init = r.lib.func("int cuInit(unsigned int flags)");
    const count = r.lib.func("int cuDeviceGetCount(_Out_ int *n)");
    check("cuInit", init(0));
    return Array.from({ length: checkOut("cuDeviceGetCount", (o) => count(o)) as number }, (_, i) => String(i));
  } catch {
    /* no usable driver: no GPUs */
    return [];
  }
}
