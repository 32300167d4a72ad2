/**
 * LZF decompression (Marc Lehmann's liblzf format, as h5py's LZF filter 32000 stores each HDF5
 * chunk: the bare compressed stream, no header), written from the format description:
 * the input is a sequence of runs, each starting with a control byte `ctrl`:
 *   ctrl < 32   a literal run: the next ctrl + 1 bytes are copied to the output;
 *   ctrl >= 32  a back reference: length L = ctrl >> 5 (when 7, one more byte is added to it),
 *               distance D = ((ctrl & 31) << 8) + next byte + 1; L + 2 bytes are copied from
 *               D bytes back in the output (byte by byte: the source may overlap the target).
 */
import { CodecError } from "../errors.ts";

/** Decodes `input` into exactly `outLength` bytes; anything else is an error. */
export function lzfDecompress(input: Uint8Array, outLength: number): Uint8Array {
  const out = new Uint8Array(outLength);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (ip + n > input.length) throw corrupt(`a literal run of ${n} bytes passes the end of the input`);
      if (op + n > outLength) throw corrupt(`the output exceeds ${outLength} bytes`);
      out.set(input.subarray(ip, ip + n), op);
      ip += n;
      op += n;
      continue;
    }
    let len = ctrl >> 5;
    if (len === 7) {
      if (ip >= input.length) throw corrupt("a back reference is cut off");
      len += input[ip++]!;
    }
    if (ip >= input.length) throw corrupt("a back reference is cut off");
    const distance = ((ctrl & 31) << 8) + input[ip++]! + 1;
    let from = op - distance;
    if (from < 0) throw corrupt(`a back reference points ${distance} bytes back from output byte ${op}`);
    const n = len + 2;
    if (op + n > outLength) throw corrupt(`the output exceeds ${outLength} bytes`);
    for (let k = 0; k < n; k++) out[op++] = out[from++]!;
  }
  if (op !== outLength) throw corrupt(`decoded ${op} bytes, expected ${outLength}`);
  return out;
}

function corrupt(what: string): CodecError {
  return new CodecError(`LZF data is corrupt: ${what}`);
}
