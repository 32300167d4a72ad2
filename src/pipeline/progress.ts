/** Cells done and cells/s: a redrawn bar on a terminal, a few plain lines otherwise. */
export interface Progress {
  update(done: number): void;
  finish(): void;
}

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const start = Date.now();
  const tty = stream.isTTY === true;
  let nextReport = 0.25;
  const rate = (done: number) => Math.round(done / Math.max(1e-3, (Date.now() - start) / 1000));
  const line = (done: number) => `${label} ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} cells, ${rate(done).toLocaleString("en-US")} cells/s`;
  let lastDraw = 0;
  return {
    update(done) {
      if (tty) {
        if (Date.now() - lastDraw < 100 && done < total) return;
        lastDraw = Date.now();
        const width = 24, filled = Math.round((width * done) / Math.max(1, total));
        stream.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${line(done)}\x1b[K`);
      } else if (total > 0 && done / total >= nextReport && done < total) {
        stream.write(line(done) + "\n");
        while (done / total >= nextReport) nextReport += 0.25;
      }
    },
    finish() {
      if (tty) stream.write("\r\x1b[K");
    },
  };
}
