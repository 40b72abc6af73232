// The training report: the HTML has every section, escapes its data and loads nothing from outside; and in
// headless Chromium (Debian's /usr/bin/chromium via playwright-core) every chart draws with no console error.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport, writeReport } from '../../src/train/report.js';
import type { ReportData } from '../../src/train/report-data.js';
import { FIXTURE_CLASSES, FIXTURE_LAYERS, makeReportData } from '../helpers/report-fixture.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'weightroom-report-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The page with its inline <script> bodies removed: what is left is markup and CSS. */
const markup = (html: string) => html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '<script></script>');

describe('renderReport', () => {
  const data = makeReportData();
  const html = renderReport(data);

  it('has every section, and one canvas per chart', () => {
    for (const id of ['summary', 'curves', 'lr', 'confusion', 'per-class', 'weights', 'gradients', 'inits'])
      expect(html, id).toContain(`<section id="${id}">`);
    // loss, accuracy, lr, per-class, 4 histograms, gradient norms, 2 init curves
    expect(html.match(/<canvas /g)).toHaveLength(11);
    const specs = JSON.parse(
      /<script type="application\/json" id="report-charts">([\s\S]*?)<\/script>/.exec(html)![1]!,
    );
    expect(Object.keys(specs)).toHaveLength(11);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Chart.js v4.');
  });

  it('escapes class names, config values and the title', () => {
    const page = markup(html);
    expect(page).toContain('&lt;b&gt;&amp;&quot;');
    expect(page).not.toContain('<b>&"');
    expect(html).not.toContain('<b>&"'); // in the chart JSON too (as \u003cb\u003e\u0026")
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<title>simpleCnn on fashion-mnist &lt;starter&gt;</title>');
    // the only <script> elements are the three the report puts there
    expect(html.match(/<script\b/gi)).toHaveLength(3);
  });

  it('loads nothing from outside: no external src/href, no imports, a CSP that forbids the network', () => {
    const page = markup(html);
    const refs = [...page.matchAll(/\b(?:src|href|action)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0); // the section links
    for (const r of refs) expect(r, r).toMatch(/^(?:data:|#)/);
    expect(page).not.toMatch(/<link\b|<iframe\b|<img\b|@import|url\(\s*["']?(?!data:)/i);
    expect(html).toContain(`content="default-src 'none'; script-src 'unsafe-inline'`);
  });

  it('shows the config, the headline numbers, the confusion matrix and the init table', () => {
    expect(html).toContain('<th>momentum</th><td>0.9</td>');
    expect(html).toContain('<th>classWeights</th><td>[1,2,3]</td>');
    expect(html).toContain('<th>earlyStopping</th><td>—</td>');
    expect(html).toMatch(/Test accuracy<\/div><div class="tile-value">\d+\.\d\d %/);
    const cm = /<table class="confusion">([\s\S]*?)<\/table>/.exec(html)![1]!;
    expect(cm.match(/<tr>/g)).toHaveLength(1 + FIXTURE_CLASSES.length);
    expect(cm.match(/class="diag"/g)).toHaveLength(FIXTURE_CLASSES.length);
    const inits = /<table class="inits">([\s\S]*?)<\/table>/.exec(html)![1]!;
    for (const name of ['kaiming-normal', 'xavier-uniform', 'normal']) expect(inits).toContain(`<th>${name}`);
    for (const l of FIXTURE_LAYERS) expect(inits).toContain(l);
    expect(inits).toContain('epochs to 85.0 %');
    expect(html).toContain('macro avg');
    expect(html).toContain('weighted avg');
  });

  it('turns NaN, null and non-positive log values into gaps (null), never into NaN in the JSON', () => {
    const json = /id="report-charts">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(json).not.toMatch(/NaN|Infinity/);
    const specs = JSON.parse(json) as Record<
      string,
      { data: { datasets: { label: string; data: unknown[] }[] } }
    >;
    const loss = Object.values(specs).find((s) => s.data.datasets.some((d) => d.label === 'validation'))!;
    expect(loss.data.datasets[1]!.data[4]).toBeNull(); // valLoss NaN at epoch 5
  });

  it('omits the sections whose data is missing', () => {
    const minimal: ReportData = {
      title: 'bare',
      createdAt: '',
      config: {},
      history: { epochs: [], stoppedReason: null, gradSteps: [] },
    };
    const bare = renderReport(minimal);
    expect(bare).toContain('<section id="summary">');
    for (const id of ['curves', 'lr', 'confusion', 'per-class', 'weights', 'gradients', 'inits'])
      expect(bare, id).not.toContain(`<section id="${id}">`);
    expect(bare).not.toContain('<canvas');
    expect(bare).not.toContain('<script'); // no charts, no Chart.js
    const partial = renderReport({
      ...makeReportData(),
      metrics: null,
      initComparison: null,
      weightHistograms: [],
    });
    expect(partial).toContain('<section id="curves">');
    for (const id of ['confusion', 'per-class', 'weights', 'inits'])
      expect(partial, id).not.toContain(`id="${id}"`);
  });
});

describe('writeReport', () => {
  it('renders <runDir>/report.json into <runDir>/report.html atomically', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'report.json'), JSON.stringify(makeReportData()));
    const out = await writeReport(dir);
    expect(out).toBe(join(dir, 'report.html'));
    const html = await readFile(out, 'utf8');
    expect(html).toContain('<section id="inits">');
    expect((await readdir(dir)).sort()).toEqual(['report.html', 'report.json']); // no temporary file left
  });

  it('names the file when report.json is missing or not a report', async () => {
    const dir = await tempDir();
    await expect(writeReport(dir)).rejects.toThrow(/report\.json/);
    await writeFile(join(dir, 'report.json'), '{"title": "x"}');
    await expect(writeReport(dir)).rejects.toThrow(/not a report\.json/);
  });
});

const CHROMIUM = '/usr/bin/chromium';
interface CanvasInfo {
  id: string;
  w: number;
  h: number;
  inked: number;
  chart: boolean;
}
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`report.test: ${CHROMIUM} not found, skipping the browser test (apt-get install chromium)`);

describe('report.html in headless Chromium', () => {
  it.skipIf(!hasChromium)('draws every chart with no console errors, and saves a screenshot', async () => {
    const { chromium } = await import('playwright-core');
    const dir = await tempDir();
    const file = await writeReport(dir, makeReportData());
    const profile = await tempDir();
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      timeout: 60_000,
    });
    try {
      const problems: string[] = [];
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('dialog', (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      // (browser-side code as strings: the project's typecheck has no DOM types)
      await page.waitForFunction('document.documentElement.dataset.chartsRendered !== undefined', null, {
        timeout: 30_000,
      });
      // the screenshot first, so a failing run leaves one to look at
      const shot = fileURLToPath(new URL('../../test-artifacts/report.png', import.meta.url));
      await mkdir(join(shot, '..'), { recursive: true });
      await page.screenshot({ path: shot, fullPage: true });
      const canvases = await page.evaluate<
        CanvasInfo[]
      >(`[...document.querySelectorAll('canvas')].map((c) => {
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let inked = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
        return { id: c.id, w: c.width, h: c.height, inked, chart: Chart.getChart(c) !== undefined };
      })`);
      const rendered = await page.evaluate<string>('document.documentElement.dataset.chartsRendered');
      expect(rendered).toBe('11');
      expect(canvases).toHaveLength(11);
      for (const c of canvases) {
        expect(c.chart, c.id).toBe(true);
        expect(c.w * c.h, c.id).toBeGreaterThan(10_000);
        expect(c.inked / (c.w * c.h), `${c.id}: share of drawn pixels`).toBeGreaterThan(0.01);
      }
      // a phone-width viewport: the grids reflow and nothing makes the page scroll sideways
      await page.setViewportSize({ width: 400, height: 800 });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow).toBeLessThanOrEqual(1);
      await page.screenshot({ path: shot.replace(/\.png$/, '-narrow.png'), fullPage: true });
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
