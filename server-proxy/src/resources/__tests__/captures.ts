/**
 * Reads the real nvidia-smi captures of test/fixtures/nvidia-smi/ (sections
 * headed by `# $ nvidia-smi ...`) for the parser tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(
  __dirname,
  '..',
  '..',
  '..',
  'test',
  'fixtures'
);
export const NVSMI = join(FIXTURES, 'nvidia-smi');
export const REPLAY = join(FIXTURES, 'nvidia-smi-replay', 'nvidia-smi');

export const CAPTURES = readdirSync(NVSMI).filter(f => f.endsWith('.txt'));
export const XMLS = readdirSync(join(NVSMI, 'xml')).filter(f =>
  f.endsWith('.xml')
);

export interface ISection {
  command: string;
  output: string;
}

export function sections(file: string): ISection[] {
  const lines = readFileSync(join(NVSMI, file), 'utf8').split('\n');
  const out: ISection[] = [];
  const banner = (l: string | undefined): boolean => /^#{20,}$/.test(l ?? '');
  let i = 0;
  while (i < lines.length) {
    if (banner(lines[i]) && lines[i + 1]?.startsWith('# ')) {
      let command = '';
      for (i++; i < lines.length && !banner(lines[i]); i++) {
        if (lines[i].startsWith('# $ ')) {
          command = lines[i].slice(4).trim();
        }
      }
      const body: string[] = [];
      for (i++; i < lines.length && !banner(lines[i]); i++) {
        body.push(lines[i]);
      }
      if (command) {
        out.push({ command, output: body.join('\n') });
      }
    } else {
      i++;
    }
  }
  return out;
}

/** The output of the (last, i.e. under load) section whose command passes. */
export function output(
  file: string,
  test: (command: string) => boolean
): string {
  const hits = sections(file).filter(s => test(s.command));
  if (!hits.length) {
    throw new Error(`${file} has no such section`);
  }
  return hits[hits.length - 1].output;
}

/**
 * The capture's `--query-gpu` tables (idle, load) projected onto `fields`, as
 * nvidia-smi prints them with `--format=csv` (units) or `nounits`.
 */
export function queryGpu(
  file: string,
  fields: readonly string[],
  units: boolean
): string[] {
  return sections(file)
    .filter(s => s.command.startsWith('nvidia-smi --query-gpu='))
    .map(s => {
      const [header, ...rows] = s.output.split('\n').filter(Boolean);
      const names = header.split(', ').map(h => h.replace(/ \[.*\]$/, ''));
      const cols = fields.map(f => names.indexOf(f));
      if (cols.includes(-1)) {
        throw new Error(`${file}: a field is missing from the capture`);
      }
      return rows
        .map(r => {
          const cells = r.split(', ');
          return cols
            .map(c =>
              units ? cells[c] : cells[c].replace(/ (MiB|%|W|MHz|us)$/, '')
            )
            .join(', ');
        })
        .join('\n');
    });
}
