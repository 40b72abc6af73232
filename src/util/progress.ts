// A progress bar with rate and ETA on a TTY (cli-progress); on other streams a few plain lines instead.
import cliProgress, { type SingleBar } from 'cli-progress';

export interface ProgressOptions {
  /** Force on/off; default: on when stderr is a TTY. */
  enabled?: boolean;
  unit?: 'bytes' | 'items';
  stream?: NodeJS.WriteStream;
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export class Progress {
  private readonly bar: SingleBar | null;
  private done = 0;
  private readonly start = Date.now();

  constructor(
    label: string,
    private readonly total: number,
    opts: ProgressOptions = {},
  ) {
    const stream = opts.stream ?? process.stderr;
    const on = opts.enabled ?? Boolean(stream.isTTY);
    const bytes = opts.unit === 'bytes';
    this.bar = on
      ? new cliProgress.SingleBar(
          {
            stream,
            format: `${label} [{bar}] {percentage}% | {doneH}/{totalH} | {rate} | ETA {eta_formatted}{extra}`,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    this.bar?.start(Math.max(total, 1), 0, {
      doneH: bytes ? fmtBytes(0) : '0',
      totalH: total ? (bytes ? fmtBytes(total) : String(total)) : '?',
      rate: '',
      extra: '',
    });
    this.fmt = bytes ? fmtBytes : String;
  }
  private readonly fmt: (n: number) => string;

  /** Advance by n; `extra` is shown after the ETA (e.g. the running loss). */
  tick(n = 1, extra = ''): void {
    this.done += n;
    if (!this.bar) return;
    const secs = Math.max((Date.now() - this.start) / 1000, 1e-3);
    this.bar.update(Math.min(this.done, Math.max(this.total, 1)), {
      doneH: this.fmt(this.done),
      rate: `${this.fmt(Math.round(this.done / secs))}/s`,
      extra: extra ? ` | ${extra}` : '',
    });
  }

  get active(): boolean {
    return this.bar !== null;
  }

  stop(): void {
    this.bar?.stop();
  }
}
