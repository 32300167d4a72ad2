/** Opens the CUDA device: finds and loads the three libraries, then builds the CudaDevice on them. */
import { CudaDevice } from "./cuda-device.ts";
import { type CudaLibraries, openCudaLibraries } from "./cuda-libraries.ts";

/** A CUDA device on GPU `ordinal` of those visible (CUDA_VISIBLE_DEVICES). */
export async function openCudaDevice(
  ordinal = 0,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ device: CudaDevice; paths: CudaLibraries["paths"] }> {
  const libs = openCudaLibraries(env);
  return { device: new CudaDevice(libs, ordinal), paths: libs.paths };
}
