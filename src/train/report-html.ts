// HTML building blocks for the report: escaping, number formatting, tables and the confusion-matrix heat map.
// Every piece of data that reaches the page goes through esc() (text) or jsonForScript() (inline JSON).

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** JSON safe to place inside <script>: no `</script>`, `<!--` or line separators can end or bend the element. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Source code safe to place inside <script> (a literal `</script` would close the element early). */
export function scriptSafe(src: string): string {
  return src.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A fraction as a percentage, e.g. 0.9123 → "91.23 %"; "—" when missing. */
export const fmtPct = (v: unknown, digits = 2): string =>
  finite(v) ? `${(v * 100).toFixed(digits)} %` : '—';

/** A number with `digits` decimals; "—" when missing. */
export const fmtFixed = (v: unknown, digits = 4): string => (finite(v) ? v.toFixed(digits) : '—');

/** A number in 3 significant digits, switching to exponent notation for very small or large magnitudes. */
export function fmtNum(v: unknown): string {
  if (!finite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(3))) : v.toExponential(2);
}

export function fmtSeconds(s: unknown): string {
  if (!finite(s)) return '—';
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A config value as text: strings as they are, other values as JSON. */
export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A table from header cells and rows of (already escaped) HTML cells; a row's first cell is its header. */
export function table(head: string[], rows: string[][], cls = '', rowClasses: string[] = []): string {
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r, k) => {
    const cells = r.map((c, i) => (i === 0 ? `<th>${c}</th>` : `<td>${c}</td>`)).join('');
    return rowClasses[k] ? `<tr class="${esc(rowClasses[k])}">${cells}</tr>` : `<tr>${cells}</tr>`;
  });
  return `<div class="table-wrap"><table class="${esc(cls)}"><thead><tr>${th}</tr></thead><tbody>${body.join('')}</tbody></table></div>`;
}

/** Headline numbers as tiles; entries whose value is missing are dropped. */
export function tiles(items: { label: string; value: string; note?: string }[]): string {
  const kept = items.filter((t) => t.value !== '—');
  if (kept.length === 0) return '';
  const cells = kept.map(
    (t) =>
      `<div class="tile"><div class="tile-label">${esc(t.label)}</div><div class="tile-value">${esc(t.value)}</div>` +
      (t.note ? `<div class="tile-note">${esc(t.note)}</div>` : '') +
      '</div>',
  );
  return `<div class="tiles">${cells.join('')}</div>`;
}

/**
 * The confusion matrix as a table whose cells are shaded by their share of the row (the true class), so the
 * diagonal reads as per-class recall whatever the class sizes.
 */
export function confusionTable(confusion: number[][], classNames: readonly string[]): string {
  const n = confusion.length;
  const name = (i: number) => classNames[i] ?? String(i);
  const head = Array.from({ length: n }, (_, j) => `<th class="col"><span>${esc(name(j))}</span></th>`).join(
    '',
  );
  const rows = confusion.map((row, i) => {
    const total = row.reduce((s, c) => s + (finite(c) ? c : 0), 0);
    const cells = row.map((c, j) => {
      const count = finite(c) ? c : 0;
      const share = total > 0 ? count / total : 0;
      // a floor keeps rare confusions visible: any non-zero cell is tinted
      const alpha = count > 0 ? Math.round((0.06 + 0.94 * share) * 1000) / 1000 : 0;
      const style = `background:rgba(37,99,235,${alpha});color:${alpha > 0.5 ? '#fff' : '#1f2937'}`;
      const title = `true ${name(i)} → predicted ${name(j)}: ${count} (${(share * 100).toFixed(1)} % of the row)`;
      const cls = i === j ? ' class="diag"' : '';
      return `<td${cls} style="${style}" title="${esc(title)}">${count}</td>`;
    });
    return `<tr><th class="row">${esc(name(i))}</th>${cells.join('')}<td class="total">${total}</td></tr>`;
  });
  return (
    `<div class="table-wrap"><table class="confusion"><thead><tr><th class="corner">true ↓ / predicted →</th>` +
    `${head}<th class="col total"><span>support</span></th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}
