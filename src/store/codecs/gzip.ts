/** numcodecs "gzip" (a gzip member, level 0–9, default 1 here), through node:zlib. */
import { gunzip, gzip } from "node:zlib";
import { nodeZlibCodec } from "./node-zlib.ts";

export const fromConfig = nodeZlibCodec(gzip, gunzip);
