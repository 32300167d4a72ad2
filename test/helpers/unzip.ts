/**
 * Extracts a small zip archive (stored or deflated entries, no zip64) into a directory: enough for
 * the zarr ZipStores in test/fixtures/anndata-archives, which scembed reads as directories.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { inflateRawSync } from "node:zlib";

export function unzip(archive: string, target: string): void {
  const zip = readFileSync(archive);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${archive}: no end of central directory`);
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`${archive}: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const extra = zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString("utf8", p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extra;
    if (normalize(name).startsWith("..")) throw new Error(`${archive}: entry '${name}' leaves the target`);
    const out = join(target, name);
    if (name.endsWith("/")) {
      mkdirSync(out, { recursive: true });
      continue;
    }
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const stored = zip.subarray(start, start + size);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, method === 8 ? inflateRawSync(stored) : stored);
  }
}
