/** Runs Debian's Python (with python3-anndata), the interop oracle, and parses its JSON answer. */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export const PYTHON = "/usr/bin/python3";

export function anndataAvailable(): boolean {
  return pythonImports("anndata, zarr");
}

/** Debian's Python with h5py (python3-h5py, which python3-anndata brings) */
export function h5pyAvailable(): boolean {
  return pythonImports("h5py");
}

function pythonImports(modules: string): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ["-c", `import ${modules}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function python<T = unknown>(script: string, args: string[] = []): T {
  const out = execFileSync(PYTHON, ["-c", script, ...args], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
    env: { ...process.env, PYTHONWARNINGS: "ignore" },
  });
  const last = out.trim().split("\n").pop()!;
  return JSON.parse(last) as T;
}

/** Debian's Python with anndata and scikit-learn: the report metrics' live reference. */
export function sklearnAvailable(): boolean {
  if (!anndataAvailable()) return false;
  try {
    execFileSync(PYTHON, ["-c", "import sklearn"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export const NEEDS_ANNDATA = `needs ${PYTHON} with python3-anndata (apt-get install python3-anndata)`;
export const NEEDS_SKLEARN = "needs /usr/bin/python3 with python3-anndata and python3-sklearn (apt-get install)";
