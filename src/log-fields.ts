/** What a log line is about: JSON lines write these as keys, text lines as the logger's [prefix]. */
export interface LogFields {
  /** the task running it: `embedding_gpu#3`, or `embed` for a file given on the command line */
  task?: string;
  /** the input file */
  file?: string;
  method?: string;
  /** a long phase: copy, tokenize, scan, embed */
  phase?: string;
  cellsDone?: number;
  cellsTotal?: number;
  cellsPerSecond?: number;
  etaSeconds?: number;
}
