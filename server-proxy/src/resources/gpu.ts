/**
 * The user's GPUs from nvidia-smi: `-L` once for the inventory (and MIG
 * UUIDs), `--help-query-gpu` once for the fields this driver knows, then one
 * long-lived `--query-gpu ... -lms <interval>` process whose lines are the
 * samples (no fork per sample). It is restarted with back-off when it exits
 * and killed when silent for too long. `-q -x` (or, failing that, `-q`) is
 * read every `migSeconds` only while a GPU is in MIG mode, for per-instance
 * memory. No nvidia-smi or no driver is a normal state: `gpus: []` and a
 * reason, logged once.
 */
import { Executor, IStreamHandle, SpawnError } from '../exec';
import {
  chooseFields,
  explainFailure,
  IGpuListing,
  IGpuRow,
  IMigDetail,
  parseHelpQueryGpu,
  parseListing,
  parseQueryGpuLine,
  parseQueryTextMig,
  parseQueryXml,
  visibleDevices
} from './nvidia';

export interface IMigDevice {
  uuid: string;
  index: number;
  profile: string | null;
  gpuInstanceId: number | null;
  computeInstanceId: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
}

export interface IGpu {
  uuid: string;
  index: number;
  name: string | null;
  busId: string | null;
  utilizationPct: number | null;
  memoryUtilizationPct: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  temperatureC: number | null;
  powerW: number | null;
  powerLimitW: number | null;
  migMode: string | null;
  /** Only when MIG is on: the instances this user may use. */
  migDevices?: IMigDevice[];
  /** No fresh line from nvidia-smi for this GPU: values are the last known. */
  stale: boolean;
}

export interface IGpuError {
  code: string;
  message: string;
}

export interface IGpuSnapshot {
  gpus: IGpu[];
  error?: IGpuError;
}

export interface IGpuMonitorOptions {
  executor: Executor;
  intervalMs: number;
  /** CUDA_VISIBLE_DEVICES of the server (undefined: unset, all GPUs). */
  visible: string | undefined;
  command?: string;
  migSeconds?: number;
  /** Kill the stream after this long without a line (default 3 intervals, ≥ 5 s). */
  silenceMs?: number;
  maxBackoffMs?: number;
  log?: (level: 'info' | 'warn', message: string) => void;
}

export class GpuMonitor {
  constructor(options: IGpuMonitorOptions) {
    this._exec = options.executor;
    this._intervalMs = options.intervalMs;
    this._visible = options.visible;
    this._command = options.command ?? 'nvidia-smi';
    this._migMs = (options.migSeconds ?? 10) * 1000;
    this._silenceMs =
      options.silenceMs ?? Math.max(5000, 3 * options.intervalMs);
    this._maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this._log = options.log ?? (() => undefined);
  }

  /** Times the streaming process was started (tests, benchmarks). */
  get starts(): number {
    return this._starts;
  }

  get running(): boolean {
    return this._running;
  }

  /** Resolves once the inventory is known (or known to be absent). */
  async start(): Promise<void> {
    if (this._running) {
      return this._ready ?? Promise.resolve();
    }
    this._running = true;
    this._ready = this._init();
    return this._ready;
  }

  stop(): void {
    this._running = false;
    clearTimeout(this._restartTimer);
    clearInterval(this._watchdog);
    clearInterval(this._migTimer);
    this._stream?.stop();
    this._stream = null;
  }

  snapshot(): IGpuSnapshot {
    if (!this._listing) {
      return { gpus: [], ...(this._error ? { error: this._error } : {}) };
    }
    const now = Date.now();
    const visible = visibleDevices(this._visible, this._listing).gpus;
    const gpus: IGpu[] = [];
    for (const listed of this._listing) {
      const which = visible.get(listed.uuid);
      if (!which) {
        continue;
      }
      const seen = this._rows.get(listed.uuid);
      const row = seen?.row;
      const gpu: IGpu = {
        uuid: listed.uuid,
        index: row?.index ?? listed.index,
        name: row?.name ?? listed.name,
        busId: row?.busId ?? null,
        utilizationPct: row?.utilizationPct ?? null,
        memoryUtilizationPct: row?.memoryUtilizationPct ?? null,
        memoryUsedBytes: row?.memoryUsedBytes ?? null,
        memoryTotalBytes: row?.memoryTotalBytes ?? null,
        temperatureC: row?.temperatureC ?? null,
        powerW: row?.powerW ?? null,
        powerLimitW: row?.powerLimitW ?? null,
        migMode: row?.migMode ?? (listed.mig.length ? 'Enabled' : null),
        stale: !seen || now - seen.at > this._silenceMs
      };
      if (listed.mig.length) {
        const details = this._mig.get(listed.uuid) ?? [];
        gpu.migDevices = listed.mig
          .filter(m => which === 'all' || which.has(m.uuid))
          .map(m => {
            // The k-th MIG line of -L is <mig_device><index>k</index>.
            const d: IMigDetail | undefined = details.find(
              x => x.index === m.index
            );
            return {
              uuid: m.uuid,
              index: m.index,
              profile: m.profile,
              gpuInstanceId: d?.gpuInstanceId ?? m.gpuInstanceId,
              computeInstanceId: d?.computeInstanceId ?? m.computeInstanceId,
              memoryUsedBytes: d?.memoryUsedBytes ?? null,
              memoryTotalBytes: d?.memoryTotalBytes ?? null
            };
          });
      }
      gpus.push(gpu);
    }
    const error =
      this._error ??
      (gpus.length === 0
        ? {
            code: 'NO_VISIBLE_GPU',
            message:
              this._visible !== undefined
                ? `CUDA_VISIBLE_DEVICES="${this._visible}" leaves this session no GPU.`
                : 'nvidia-smi lists no GPU.'
          }
        : undefined);
    return { gpus, ...(error ? { error } : {}) };
  }

  private async _init(): Promise<void> {
    const listed = await this._runOnce(['-L']);
    if (!listed) {
      return;
    }
    this._listing = parseListing(listed);
    if (!this._listing.length) {
      this._setError({ code: 'NO_GPU', message: 'nvidia-smi lists no GPU.' });
      return;
    }
    const help = await this._runOnce(['--help-query-gpu']);
    if (!help) {
      this._listing = null;
      return;
    }
    const fields = chooseFields(parseHelpQueryGpu(help));
    if (!fields) {
      this._listing = null;
      this._setError({
        code: 'NVIDIA_SMI_FIELDS',
        message: 'This nvidia-smi does not know the fields "index" and "uuid".'
      });
      return;
    }
    this._fields = fields;
    if (!this._running) {
      return;
    }
    this._spawn();
    this._watchdog = setInterval(() => this._checkSilence(), 1000);
    this._watchdog.unref?.();
    if (this._listing.some(g => g.mig.length)) {
      void this._readMig();
      this._migTimer = setInterval(() => void this._readMig(), this._migMs);
      this._migTimer.unref?.();
    }
  }

  /** Runs a one-shot query; on failure records the reason and returns null. */
  private async _runOnce(args: string[]): Promise<string | null> {
    try {
      const r = await this._exec.run(this._command, args, {
        timeoutMs: 15_000,
        maxOutputBytes: 4 << 20
      });
      if (r.code === 0 && !r.timedOut) {
        return r.stdout;
      }
      this._setError(
        r.timedOut
          ? {
              code: 'NVIDIA_SMI_TIMEOUT',
              message: `nvidia-smi ${args.join(' ')} did not answer within 15 s.`
            }
          : explainFailure(r.code, `${r.stdout}\n${r.stderr}`)
      );
    } catch (e) {
      this._setError(
        e instanceof SpawnError && e.errno === 'ENOENT'
          ? {
              code: 'NO_NVIDIA_SMI',
              message: `nvidia-smi was not found on the server's PATH: no NVIDIA driver on this machine.`
            }
          : { code: 'NVIDIA_SMI_FAILED', message: (e as Error).message }
      );
    }
    return null;
  }

  private _setError(error: IGpuError | undefined): void {
    this._error = error;
    if (error && !this._logged.has(error.code)) {
      this._logged.add(error.code);
      this._log('info', `GPUs unavailable: ${error.message}`);
    }
  }

  private _spawn(): void {
    const fields = this._fields as string[];
    this._starts++;
    this._lastLineAt = Date.now();
    try {
      this._stream = this._exec.stream(
        this._command,
        [
          `--query-gpu=${fields.join(',')}`,
          '--format=csv,noheader,nounits',
          '-lms',
          String(Math.round(this._intervalMs))
        ],
        {
          onLine: line => {
            const row = parseQueryGpuLine(line, fields);
            if (row) {
              this._lastLineAt = Date.now();
              this._rows.set(row.uuid, { row, at: this._lastLineAt });
              this._backoffMs = 1000;
              if (this._error?.code === 'NVIDIA_SMI_EXITED') {
                this._setError(undefined);
              }
            }
          },
          onExit: exit => {
            this._stream = null;
            if (!this._running) {
              return;
            }
            const why = exit.error
              ? exit.error.message
              : `exit ${exit.code ?? exit.signal}${exit.stderr.trim() ? `: ${exit.stderr.trim().split('\n').pop()}` : ''}`;
            this._error = {
              code: 'NVIDIA_SMI_EXITED',
              message: `nvidia-smi stopped (${why}); restarting in ${Math.round(this._backoffMs / 1000)} s.`
            };
            this._log('warn', this._error.message);
            this._restartTimer = setTimeout(() => {
              if (this._running) {
                this._spawn();
              }
            }, this._backoffMs);
            this._backoffMs = Math.min(this._backoffMs * 2, this._maxBackoffMs);
          }
        }
      );
    } catch (e) {
      this._setError({
        code: 'NVIDIA_SMI_FAILED',
        message: (e as Error).message
      });
    }
  }

  private _checkSilence(): void {
    if (this._stream && Date.now() - this._lastLineAt > this._silenceMs) {
      this._log(
        'warn',
        `nvidia-smi printed nothing for ${Math.round(this._silenceMs / 1000)} s: killing it`
      );
      this._stream.stop(); // onExit restarts it with back-off
    }
  }

  private async _readMig(): Promise<void> {
    if (this._migBusy || !this._running) {
      return;
    }
    this._migBusy = true;
    try {
      const xml = await this._exec
        .run(this._command, ['-q', '-x'], { timeoutMs: 15_000 })
        .catch(() => null);
      const parsed = xml?.code === 0 ? parseQueryXml(xml.stdout) : null;
      const next = new Map<string, IMigDetail[]>();
      if (parsed?.gpus.length) {
        for (const g of parsed.gpus) {
          if (g.uuid) {
            next.set(g.uuid, g.migDevices);
          }
        }
      } else {
        // The same numbers in the text layout (older or odd drivers).
        const text = await this._exec
          .run(this._command, ['-q'], { timeoutMs: 15_000 })
          .catch(() => null);
        if (text?.code === 0) {
          for (const [uuid, devices] of parseQueryTextMig(text.stdout)) {
            next.set(uuid, devices);
          }
        }
      }
      this._mig = next;
    } finally {
      this._migBusy = false;
    }
  }

  private _exec: Executor;
  private _intervalMs: number;
  private _visible: string | undefined;
  private _command: string;
  private _migMs: number;
  private _silenceMs: number;
  private _maxBackoffMs: number;
  private _log: (level: 'info' | 'warn', message: string) => void;
  private _running = false;
  private _ready: Promise<void> | null = null;
  private _listing: IGpuListing[] | null = null;
  private _fields: string[] | null = null;
  private _rows = new Map<string, { row: IGpuRow; at: number }>();
  private _mig = new Map<string, IMigDetail[]>();
  private _migBusy = false;
  private _stream: IStreamHandle | null = null;
  private _error: IGpuError | undefined;
  private _logged = new Set<string>();
  private _starts = 0;
  private _lastLineAt = 0;
  private _backoffMs = 1000;
  private _restartTimer: NodeJS.Timeout | undefined;
  private _watchdog: NodeJS.Timeout | undefined;
  private _migTimer: NodeJS.Timeout | undefined;
}
