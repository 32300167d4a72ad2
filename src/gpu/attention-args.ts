/** What both attention launches take (attention-mma.ts, attention-sm90.ts). */
import type { DevicePtr } from "./driver.ts";

/**
 * one attention launch: qkv B×T×3H and out B×T×H (bf16), the cells' lengths (int32 on the device),
 * `queries` rows of each cell
 */
export interface AttentionArgs {
  qkv: DevicePtr;
  lengths: DevicePtr;
  out: DevicePtr;
  B: number;
  T: number;
  H: number;
  heads: number;
  queries: number;
}
