/**
 * Where one file's wall time goes: the seconds of each phase (output store, tokenize, model load,
 * forward, write, …), in the order they started, for the line the embed log ends a file with.
 * Phases may run at the same time (the output store is made while methods prepare), so their
 * sum may exceed the wall time, which the line also gives.
 */
export class PhaseTimes {
  private readonly started = Date.now();
  private readonly ms = new Map<string, number>();

  /** runs `fn` as (part of) phase `name`: its time is added to the phase's, whether it succeeds or fails */
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    if (!this.ms.has(name)) this.ms.set(name, 0); // listed in the order the phases started
    try {
      return await fn();
    } finally {
      this.add(name, performance.now() - t0);
    }
  }

  add(name: string, ms: number): void {
    this.ms.set(name, (this.ms.get(name) ?? 0) + ms);
  }

  get names(): string[] {
    return [...this.ms.keys()];
  }

  /** e.g. `phases: output store 4.6 s, tokenize 1.0 s, …; wall 8.3 s (phases overlap)` */
  line(): string {
    const parts = [...this.ms].map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`);
    return `phases: ${parts.join(", ")}; wall ${((Date.now() - this.started) / 1000).toFixed(1)} s (phases overlap)`;
  }
}
