// The training report: renderReport(data) gives one self-contained HTML file (Chart.js and all styles inlined, no
// network at view time); writeReport(runDir) (re)builds <runDir>/report.html, from <runDir>/report.json by default.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { VERSION } from '../version.js';
import type { ReportData } from './report-data.js';
import { esc, jsonForScript, scriptSafe } from './report-html.js';
import { buildSections, Charts } from './report-sections.js';
import { REPORT_CLIENT_JS, REPORT_CSS } from './report-style.js';

let chartJsCache: string | undefined;

/** Chart.js's UMD build, read from the installed package (found from src/ and from dist/ alike). */
function chartJsSource(): string {
  if (chartJsCache !== undefined) return chartJsCache;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('chart.js'); // …/chart.js/dist/chart.cjs
  } catch (e) {
    throw new Error(
      `report: cannot find the chart.js package (a dependency of weightroom): ${(e as Error).message}`,
    );
  }
  // the UMD build is not in chart.js's exports map, so it is read from beside the resolved entry
  for (const file of ['chart.umd.min.js', 'chart.umd.js']) {
    try {
      return (chartJsCache = readFileSync(join(dirname(entry), file), 'utf8'));
    } catch {
      /* try the next name */
    }
  }
  throw new Error(`report: neither chart.umd.min.js nor chart.umd.js found beside ${entry}`);
}

/** Renders a run's report as one self-contained HTML page. */
export function renderReport(data: ReportData): string {
  const charts = new Charts();
  const sections = buildSections(data, charts);
  const chartJs = Object.keys(charts.specs).length ? chartJsSource() : '';
  const chartJsVersion = /Chart\.js v([\w.-]+)/.exec(chartJs)?.[1];
  const title = data.title || 'weightroom training report';
  const nav = sections.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`).join('');
  const scripts = chartJs
    ? `<script>${scriptSafe(chartJs)}</script>\n<script type="application/json" id="report-charts">${jsonForScript(charts.specs)}</script>\n<script>${REPORT_CLIENT_JS}</script>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="weightroom ${esc(VERSION)}">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1><div class="meta">${data.createdAt ? `created ${esc(data.createdAt)} · ` : ''}weightroom ${esc(VERSION)}</div><nav>${nav}</nav></header>
<main>
${sections.map((s) => `<section id="${s.id}">${s.html}</section>`).join('\n')}
</main>
<footer>Self-contained report: no network needed.${chartJsVersion ? ` Charts by Chart.js ${esc(chartJsVersion)} (MIT licence), inlined.` : ''}</footer>
${scripts}
</body>
</html>
`;
}

async function readReportJson(file: string): Promise<ReportData> {
  let data: ReportData;
  try {
    data = JSON.parse(await readFile(file, 'utf8')) as ReportData;
  } catch (e) {
    throw new Error(`report: cannot read ${file}: ${(e as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || !Array.isArray(data.history?.epochs))
    throw new Error(`report: ${file} is not a report.json (no history.epochs)`);
  return data;
}

/**
 * Writes <runDir>/report.html (atomically: a temporary file beside it, then a rename) and returns its path.
 * Without `data`, reads <runDir>/report.json.
 */
export async function writeReport(runDir: string, data?: ReportData): Promise<string> {
  const report = data ?? (await readReportJson(join(runDir, 'report.json')));
  const out = join(runDir, 'report.html');
  await writeFileAtomic(out, [Buffer.from(renderReport(report), 'utf8')]);
  return out;
}
