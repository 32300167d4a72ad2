/** The CUDA device's own error: it cannot run here or cannot run this model. */
import { ScembedError } from "../errors.ts";

/** The CUDA device cannot run here or cannot run this model (libraries, GPU generation, shapes). */
export class CudaUnavailable extends ScembedError {
  override readonly tag = "CudaUnavailable";
}
