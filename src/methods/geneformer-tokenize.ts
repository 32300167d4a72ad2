/**
 * Geneformer's preparation step: a file's raw counts ranked into token ids (the upstream
 * tokenizer's rules), row range by row range on worker threads that read the counts themselves
 * (tokenize-pool.ts), into a token file in the preparation cache, keyed by the file's identity,
 * the rules and the dictionaries.
 */
import { describeDuplicates, ensemblIds } from "../anndata/gene-ids.ts";
import { InputError } from "../errors.ts";
import type { GeneformerDictionaries } from "../models/geneformer-dictionaries.ts";
import { geneSlots, type TokenizerRules } from "../models/geneformer-tokenizer.ts";
import { rowRanges } from "../store/row-ranges.ts";
import { tokenizeParallel, type TokenJob } from "./tokenize-pool.ts";
import { artifactKey } from "../store/artifact-cache.ts";
import { tokenCache, type TokenCacheReader } from "../store/token-cache.ts";
import type { MethodContext } from "./method.ts";

/** rows of counts per tokenizer job (2 × threads jobs in flight): a 20,000-cell file keeps 8 workers busy */
const TOKENIZE_ROWS = 2048;

/** The tokens of the context's file under `v`'s rules, from the preparation cache or made now (and cached). */
export async function tokenize(
  ctx: MethodContext<unknown>,
  v: { name: string; rules: TokenizerRules },
  dict: GeneformerDictionaries,
): Promise<TokenCacheReader> {
  const { reader } = ctx;
  const key = artifactKey(`tokens-${v.name}`, { rules: v.rules, dictionaries: dict.fingerprint }, [reader.path]);
  const { reader: cache, cached } = await tokenCache(ctx.dataset.cacheDir, key, reader.nObs, async function* () {
    const { ids, source } = await ensemblIds(reader);
    const repeated = describeDuplicates(ids);
    if (repeated) ctx.log.warn(`${v.name}: ids in ${source}: ${repeated}; the counts of each id's columns are summed`);
    const slots = geneSlots(ids, dict);
    ctx.log.info(`${v.name}: ${slots.matched} of ${reader.nVars} genes are in the vocabulary`);
    if (slots.matched === 0)
      throw new InputError(`none of the genes is in the ${v.name} vocabulary`, {
        file: reader.path,
        key: "var/ensembl_id",
        fix: "Geneformer needs human Ensembl ids (ENSG…)",
      });
    const counts = ctx.dataset.inputs(reader);
    await counts.open("counts");
    let nCounts: number[] | undefined;
    if (await reader.hasColumn("obs", "n_counts")) {
      nCounts = (await reader.column("obs", "n_counts")).map(Number);
      const bad = nCounts.findIndex((n) => !(n >= 0 && n < Infinity));
      if (bad >= 0) {
        throw new InputError(`obs['n_counts'] is ${nCounts[bad]} in row ${bad}; library sizes must be finite and ≥ 0`, {
          file: reader.path,
          key: "obs/n_counts",
          fix: "recompute it as the row sums of the raw counts, or delete the column (the sizes are then computed from the counts)",
        });
      }
      ctx.log.info(`${v.name}: library sizes from obs['n_counts']`);
    } else ctx.log.info(`${v.name}: no obs['n_counts']; library sizes computed from the counts`);
    const countsAt = { path: reader.path, key: await counts.countsKey() };
    const jobs = function* (): Generator<TokenJob> {
      for (const [r0, r1] of rowRanges(reader.nObs, TOKENIZE_ROWS))
        yield { r0, r1, nCounts: nCounts && Float64Array.from(nCounts.slice(r0, r1)) };
    };
    const progress = ctx.log.progress("tokenize", reader.nObs, { method: v.name });
    try {
      let done = 0;
      for await (const tokens of tokenizeParallel(countsAt, jobs(), slots, v.rules, dict)) {
        ctx.signal?.throwIfAborted();
        yield tokens;
        progress.update((done += tokens.uncropped.length));
      }
    } finally {
      progress.finish();
    }
  });
  ctx.log.info(`${v.name}: tokens ${cached ? "from the preparation cache" : "computed"} (${cache.path})`);
  return cache;
}
