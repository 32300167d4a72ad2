/**
 * TMA tensor maps (cuTensorMapEncodeTiled): the 128-byte descriptor a kernel's bulk tensor copies
 * read, passed to the kernel by value. Here for bf16 tensors copied in 128-byte-swizzled boxes,
 * the layout wgmma reads from shared memory (kernels/attention-sm90.cu).
 */
import type { IKoffiLib } from "koffi";
import { check } from "./check.ts";
import type { DevicePtr } from "./driver.ts";

const CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 = 9;
const CU_TENSOR_MAP_SWIZZLE_128B = 3;
const CU_TENSOR_MAP_L2_PROMOTION_128B = 2;

/** a bf16 tensor in global memory as the TMA sees it: dims innermost first, strides in bytes */
export interface TensorMapSpec {
  address: DevicePtr;
  dims: number[];
  strides: number[];
  box: number[];
}

type Encode = (...args: unknown[]) => number;
const encoders = new WeakMap<IKoffiLib, Encode>();

export function tensorMap(lib: IKoffiLib, spec: TensorMapSpec): Uint8Array {
  let encode = encoders.get(lib);
  if (!encode) {
    encode = lib.func(
      "int cuTensorMapEncodeTiled(_Out_ uint8_t *map, int dtype, uint32_t rank, uint64_t address, const uint64_t *dims, const uint64_t *strides, const uint32_t *box, const uint32_t *elementStrides, int interleave, int swizzle, int l2Promotion, int oobFill)",
    ) as Encode;
    encoders.set(lib, encode);
  }
  const map = Buffer.alloc(128);
  check(
    "cuTensorMapEncodeTiled",
    encode(
      map,
      CU_TENSOR_MAP_DATA_TYPE_BFLOAT16,
      spec.dims.length,
      spec.address,
      BigUint64Array.from(spec.dims, BigInt),
      BigUint64Array.from(spec.strides, BigInt),
      Uint32Array.from(spec.box),
      Uint32Array.from(spec.box, () => 1),
      0,
      CU_TENSOR_MAP_SWIZZLE_128B,
      CU_TENSOR_MAP_L2_PROMOTION_128B,
      0,
    ),
  );
  return map;
}
