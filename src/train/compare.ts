// compare-init: the same model, data, seed and budget trained from several weight initialisations, a table of
// how each fared, and one report with their curves side by side.
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { INITS, oneOf } from './recipe.js';
import { runTraining, type RunConfig } from './run.js';
import type { InitRun, ReportData } from './report-data.js';
import { writeReport } from './report.js';

export async function compareInits(
  cfg: RunConfig,
  inits: string[],
  target: number,
  log: (l: string) => void = (l) => console.log(l),
): Promise<InitRun[]> {
  if (inits.length === 0)
    throw new Error(`compare-init: give at least one scheme in --inits (valid: ${INITS.join(', ')})`);
  inits.forEach((i) => oneOf('init', i, INITS));
  const runs: InitRun[] = [];
  let first: Awaited<ReturnType<typeof runTraining>> | null = null;
  for (const init of inits) {
    log(`\n=== init: ${init} ===`);
    const r = await runTraining({ ...cfg, init, out: join(cfg.out, init), noReport: true }, log);
    first ??= r;
    const accs = r.history.epochs.map((e) => e.valAcc ?? e.trainAcc);
    let best = -1;
    accs.forEach((a, i) => {
      if (best < 0 || a > accs[best]!) best = i;
    });
    const hit = accs.findIndex((a) => a >= target);
    runs.push({
      init,
      history: r.history,
      finalValAcc: r.history.epochs.at(-1)?.valAcc ?? null,
      bestValAcc: best >= 0 ? accs[best]! : null,
      bestEpoch: best >= 0 ? best + 1 : null,
      epochsToTarget: hit >= 0 ? hit + 1 : null,
      initialGradNorms: r.history.gradSteps[0]?.norms ?? {},
    });
  }
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);
  log(
    `\n${'init'.padEnd(18)}${'final val acc'.padStart(15)}${'best (epoch)'.padStart(18)}${`epochs to ${pct(target)}`.padStart(20)}`,
  );
  for (const r of runs) {
    log(
      `${r.init.padEnd(18)}${pct(r.finalValAcc).padStart(15)}${`${pct(r.bestValAcc)} (${r.bestEpoch ?? '—'})`.padStart(18)}${String(r.epochsToTarget ?? 'not reached').padStart(20)}`,
    );
  }
  const layers = Object.keys(runs[0]?.initialGradNorms ?? {}).filter((k) => k.endsWith('weight'));
  if (layers.length) {
    log('\ninitial gradient norms per layer (first step)');
    log(`${'layer'.padEnd(24)}${runs.map((r) => r.init.padStart(18)).join('')}`);
    for (const l of layers)
      log(
        `${l.padEnd(24)}${runs.map((r) => (r.initialGradNorms[l] ?? NaN).toExponential(3).padStart(18)).join('')}`,
      );
  }
  const report: ReportData = {
    title: `Initialisation comparison: ${cfg.model} on ${cfg.dataset}`,
    createdAt: new Date().toISOString(),
    config: { ...cfg, inits: inits.join(', '), target },
    history: first!.history,
    metrics: null,
    initComparison: { target, runs },
  };
  await writeFile(join(cfg.out, 'report.json'), JSON.stringify(report));
  const html = await writeReport(cfg.out, report);
  log(`\nwrote ${html}`);
  return runs;
}
