// The report's inline stylesheet and the few lines of browser script that hand each chart's JSON config to Chart.js.

export const REPORT_CSS = `
:root { --bg: #f5f6f8; --card: #fff; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background: #111827; color: #f9fafb; padding: 20px 24px 14px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; overflow-wrap: anywhere; }
header .meta { color: #9ca3af; font-size: 13px; }
nav { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 10px; font-size: 13px; }
nav a { color: #93c5fd; text-decoration: none; }
nav a:hover { text-decoration: underline; }
main { max-width: 1280px; margin: 0 auto; padding: 16px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px 18px;
  margin: 0 0 16px; box-shadow: 0 1px 2px rgba(0,0,0,0.04); }
h2 { font-size: 17px; margin: 0 0 4px; font-weight: 600; }
h3 { font-size: 14px; margin: 0 0 6px; font-weight: 600; color: #374151; overflow-wrap: anywhere; }
p.note { color: var(--muted); margin: 0 0 12px; font-size: 13px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); gap: 16px; }
.multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 280px), 1fr)); gap: 12px; }
.panel { min-width: 0; }
.multiples .panel { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.chart { position: relative; height: 300px; width: 100%; }
.chart.tall { height: 380px; }
.chart.small { height: 180px; }
.chart.short { height: 240px; }
.split { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 20px; align-items: start; }
@media (max-width: 960px) { .split { grid-template-columns: minmax(0, 1fr); } }
.stats { color: var(--muted); font-size: 12px; margin-top: 4px; font-variant-numeric: tabular-nums; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; margin: 10px 0 14px; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: #fafbfc; }
.tile-label { color: var(--muted); font-size: 12px; }
.tile-value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.tile-note { color: var(--muted); font-size: 12px; }
.warn { background: #fef3c7; border: 1px solid #fcd34d; border-radius: 8px; padding: 8px 12px; margin: 0 0 12px; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
thead th { color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); vertical-align: bottom; }
thead th:first-child { text-align: left; }
thead th .sub { display: block; font-weight: 500; font-size: 11.5px; white-space: normal; overflow-wrap: anywhere;
  max-width: 150px; margin-left: auto; }
tbody th { text-align: left; font-weight: 500; }
table.config thead th { text-align: left; }
table.config td { text-align: left; white-space: normal; overflow-wrap: anywhere; max-width: 640px;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
tr.avg th, tr.avg td { background: #f9fafb; font-weight: 600; }
table.confusion { margin-top: 6px; }
table.confusion td { text-align: center; min-width: 44px; border: 1px solid #fff; padding: 7px 6px; }
table.confusion td.diag { outline: 2px solid rgba(17,24,39,0.35); outline-offset: -2px; }
table.confusion td.total { background: #f3f4f6; color: var(--muted); }
table.confusion th.col { vertical-align: bottom; padding: 4px 2px; }
table.confusion th.col span { writing-mode: vertical-rl; transform: rotate(180deg); display: inline-block;
  max-height: 140px; overflow: hidden; text-overflow: ellipsis; }
table.confusion th.row { max-width: 180px; overflow: hidden; text-overflow: ellipsis; }
table.confusion th.corner { font-size: 11px; text-align: left; vertical-align: bottom; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 8px 16px 24px; }
@media (max-width: 600px) { main { padding: 8px; } section { padding: 12px; } .chart { height: 240px; } }
@media print { body { background: #fff; } section { break-inside: avoid; box-shadow: none; } nav { display: none; } }
`;

/**
 * Runs after Chart.js: draws every chart from the JSON in #report-charts and records how many it drew on
 * <html data-charts-rendered> (the browser test waits for it).
 */
export const REPORT_CLIENT_JS = `
(function () {
  var specs = JSON.parse(document.getElementById('report-charts').textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#4b5563';
  var drawn = 0;
  Object.keys(specs).forEach(function (id) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    try {
      new Chart(canvas, specs[id]);
      drawn++;
    } catch (e) {
      console.error('chart ' + id + ': ' + (e && e.message));
    }
  });
  document.documentElement.setAttribute('data-charts-rendered', String(drawn));
})();
`;
