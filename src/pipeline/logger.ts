/** @deprecated moved to src/logger.ts; kept only until src/gpu/select-device.ts imports it from there. */
export * from "../logger.ts";
