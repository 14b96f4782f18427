// Writes a synthetic `squeue` answer of N jobs in the exact format the server
// asks for (`squeue --noheader --all -O Field:\x1f,...,Name:\x1e`, see
// server-proxy/src/slurm/commands.ts), modelled on the real Slurm 22.05
// capture in server-proxy/src/slurm/__tests__/fixtures/squeue-all.txt: held
// jobs like bench/load-queue.sh's, pending and running jobs of many users,
// arrays (running tasks and the pending rest `12_[4-9%2]`), het jobs, and
// names with tabs, newlines, quotes, backslashes, UTF-8 and HTML.
// For development of the benchmarks without loading the shared Slurm
// (`--replay FILE` in bench/queue.mjs and bench/queue-ui.mjs).
// usage: node bench/synth-queue.mjs N FILE   (deterministic for a given N)
import { writeFileSync } from 'node:fs';

const FIELD = '\x1f';
const RECORD = '\x1e';

/** A small deterministic PRNG (mulberry32): the same N gives the same file. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_NAMES = [
  'tab\there <b>x</b> ü',
  'we\tird\nline2 ü <b>html</b>',
  'quote "q" and \\backslash\\',
  '<script>alert(1)</script>',
  'ünïcödé 日本語 🚀',
  'semi;colon & amp | pipe',
  "it's \\n not a newline",
  'trailing space ',
  'json {"a":1}'
];
const NAMES = [
  'bench',
  'train',
  'preprocess',
  'md-run',
  'vasp_relax',
  'jupyter',
  'sim_0042',
  'analysis.py',
  'array-sweep',
  'gromacs npt'
];
const USERS = ['root', 'alice', 'bob'];
for (let i = 1; i <= 120; i++) {
  USERS.push(`user${String(i).padStart(3, '0')}`);
}
const PENDING_REASONS = [
  'Priority',
  'Resources',
  'Dependency',
  'QOSMaxJobsPerUserLimit',
  'ReqNodeNotAvail, Reserved for maintenance',
  'BeginTime'
];
const LIMITS = [
  '1:00:00',
  '30:00',
  '1-00:00:00',
  'UNLIMITED',
  '2-12:00:00',
  '5:00'
];

function pad(n) {
  return String(n).padStart(2, '0');
}

function time(base, offsetSec) {
  const d = new Date(base + offsetSec * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function duration(sec) {
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  if (d) {
    return `${d}-${pad(h)}:${pad(m)}:${pad(s)}`;
  }
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** The text of N jobs. */
export function synthesise(n) {
  const rand = prng(n);
  const pick = xs => xs[Math.floor(rand() * xs.length)];
  const base = Date.UTC(2026, 10, 23, 12, 0, 0);
  const out = [];
  let jobId = 1000;
  const record = f => out.push(f.join(FIELD) + RECORD + '\n');
  const job = (over = {}) => {
    const id = String(jobId++);
    const user = over.user ?? pick(USERS);
    const state = over.state ?? 'PENDING';
    const running = state === 'RUNNING' || state === 'COMPLETING';
    const submit = -Math.floor(rand() * 86400 * 3);
    const start = running ? submit + Math.floor(rand() * 3600) : null;
    const used = running ? Math.floor(rand() * 86400) : 0;
    const limit = over.limit ?? pick(LIMITS);
    const partition = over.partition ?? (rand() < 0.2 ? 'gpu' : 'debug');
    return [
      over.displayId ?? id,
      id,
      over.arrayJobId ?? id,
      over.arrayTaskId ?? 'N/A',
      over.hetJobId ?? 'N/A',
      over.hetJobOffset ?? 'N/A',
      partition,
      user,
      rand() < 0.5 ? '(null)' : `proj${Math.floor(rand() * 30)}`,
      'normal',
      state,
      over.reason ?? (running ? 'None' : pick(PENDING_REASONS)),
      String(over.nodes ?? 1),
      String(over.cpus ?? 1 + Math.floor(rand() * 8)),
      running ? 'cpu=1,node=1,billing=1' : 'cpu=1,mem=8000M,node=1,billing=1',
      running ? `n${String(Math.floor(rand() * 512)).padStart(3, '0')}` : '',
      time(base, submit),
      start === null ? 'N/A' : time(base, start),
      start === null
        ? 'N/A'
        : limit === 'UNLIMITED'
          ? 'NONE'
          : time(base, start + 3600),
      duration(used),
      limit,
      over.priority ?? String(4294901000 + Math.floor(rand() * 600)),
      over.workDir ??
        (user === 'root'
          ? '/root'
          : `/home/${user}/project-${Math.floor(rand() * 50)}`),
      over.name ?? (rand() < 0.02 ? pick(ODD_NAMES) : pick(NAMES))
    ];
  };
  while (out.length < n) {
    const r = rand();
    if (r < 0.55) {
      // bench/load-queue.sh's held jobs
      record(
        job({
          name: 'bench',
          reason: 'JobHeldUser',
          priority: '0',
          limit: 'UNLIMITED',
          cpus: 1,
          workDir: '/work/main'
        })
      );
    } else if (r < 0.75) {
      record(job());
    } else if (r < 0.9) {
      record(job({ state: rand() < 0.97 ? 'RUNNING' : 'COMPLETING' }));
    } else if (r < 0.98) {
      // An array: some running tasks, then the pending rest.
      const arrayId = String(jobId);
      const tasks = 1 + Math.floor(rand() * 6);
      const user = pick(USERS);
      const name = pick(NAMES);
      for (let t = 0; t < tasks && out.length < n; t++) {
        record(
          job({
            displayId: `${arrayId}_${t}`,
            arrayJobId: arrayId,
            arrayTaskId: String(t),
            state: 'RUNNING',
            user,
            name
          })
        );
      }
      if (out.length < n) {
        const last = tasks + 10 + Math.floor(rand() * 90);
        const range = rand() < 0.5 ? `${tasks}-${last}%4` : `${tasks}-${last}`;
        record(
          job({
            displayId: `${arrayId}_[${range}]`,
            arrayJobId: arrayId,
            arrayTaskId: range,
            reason: 'JobArrayTaskLimit',
            user,
            name
          })
        );
      }
    } else {
      // A het job: two components.
      const het = String(jobId);
      const user = pick(USERS);
      for (let c = 0; c < 2 && out.length < n; c++) {
        record(
          job({
            displayId: `${het}+${c}`,
            arrayJobId: String(jobId),
            hetJobId: het,
            hetJobOffset: String(c),
            partition: 'gpu',
            reason: 'None',
            limit: 'UNLIMITED',
            user,
            name: 'het'
          })
        );
      }
    }
  }
  return out.join('');
}

if (
  process.argv[1] &&
  import.meta.url.endsWith(process.argv[1].split('/').pop())
) {
  const [n, file] = process.argv.slice(2);
  if (!n || !file) {
    console.error('usage: node bench/synth-queue.mjs N FILE');
    process.exit(2);
  }
  const text = synthesise(Number(n));
  writeFileSync(file, text);
  console.log(
    `synth-queue: ${n} jobs, ${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB -> ${file}`
  );
}
