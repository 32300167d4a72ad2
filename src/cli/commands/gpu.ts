/** `scembed gpu`: what the CUDA device finds here (libraries, GPUs); exit 1 when it cannot run. */
import { gpuReport } from "../../index.ts";

export async function gpuCommand(out: (text: string) => void): Promise<number> {
  const r = await gpuReport();
  for (const [name, path] of Object.entries(r.libraries ?? {})) out(`${name.padEnd(9)} ${path}`);
  out(`visible GPUs: ${r.gpus.length > 0 ? r.gpus.join(", ") : "none"}`);
  if (r.device) {
    const d = r.device;
    out(
      `device 0: ${d.name}, compute capability ${d.computeCapability}, ${d.freeGiB.toFixed(1)} of ${d.memoryGiB.toFixed(1)} GiB free`,
    );
    out("Geneformer runs on this GPU (device: auto or cuda)");
    return 0;
  }
  out(`no usable CUDA device: ${r.error}`);
  out("Geneformer would run on the CPU (device: auto) or fail (device: cuda)");
  return 1;
}
