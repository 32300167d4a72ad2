/** numcodecs "zlib" (a zlib stream, level 0–9, default 1 here), through node:zlib. */
import { deflate, inflate } from "node:zlib";
import { nodeZlibCodec } from "./node-zlib.ts";

export const fromConfig = nodeZlibCodec(deflate, inflate);
