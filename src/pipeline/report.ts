/** What happened to each method of each file: the results a task returns and the CLI prints. */
export type MethodStatus = "written" | "prepared" | "skipped" | "failed" | "interrupted";

export interface MethodResult {
  method: string;
  key: string;
  status: MethodStatus;
  detail: string;
  seconds?: number;
  error?: Error;
}

export interface FileReport {
  input: string;
  output: string;
  nObs: number;
  results: MethodResult[];
  /** an error of the whole file, before or around its methods: said once, not once per method */
  error?: string;
  /** the task that made it: `embedding_cpu#3`, or `embed` for a file given on the command line */
  task?: string;
  /** the task's wall time */
  seconds?: number;
}

/** The obsm key a method writes. */
export const obsmKey = (method: string) => `X_${method}`;

export function failedResult(method: string, err: unknown): MethodResult {
  const error = err instanceof Error ? err : new Error(String(err));
  return { method, key: obsmKey(method), status: "failed", detail: error.message, error };
}

/** A file none of whose methods ran: the task itself failed before or around them. */
export function failedReport(
  file: { input: string; output: string },
  methods: readonly string[],
  err: unknown,
): FileReport {
  const error = err instanceof Error ? err.message : String(err);
  return {
    input: file.input,
    output: file.output,
    nObs: 0,
    error,
    results: methods.map((m) => ({
      method: m,
      key: obsmKey(m),
      status: "failed" as const,
      detail: "not run: the file failed",
    })),
  };
}
