/**
 * Every benchmark in turn, one table, and bench/results/latest.json (not committed): each
 * figure of each benchmark's last line with what it is measured against, its goal, whether
 * it is met, and the machine's load average before and after that benchmark, so two
 * commits can be compared figure by figure.
 *
 *   npm run bench                                 (sync, list, start, upload, server)
 *   npm run bench -- --only sync,start            (some of them)
 *   npm run bench -- --compare old.json           (a column with an earlier run's figures)
 *   npm run bench -- --quick                      (passed on to bench:upload)
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

interface Goal {
  /** What the figure is measured against (the baseline of the same run), if anything. */
  baseline: string;
  /** The goal, in words, and whether a value meets it; absent: reported only. */
  goal?: string;
  met?: (value: number) => boolean;
  /** The figure is itself a ratio to the baseline. */
  ratio?: boolean;
}

const BENCHES = ['sync', 'list', 'start', 'upload', 'server'] as const;
type Bench = (typeof BENCHES)[number];

const GOALS: Record<string, Goal> = {
  'sync/sync rows/s': { baseline: 'raw better-sqlite3 insert of the same rows' },
  'sync/ratio to raw insert': {
    baseline: 'raw better-sqlite3 insert of the same rows',
    ratio: true,
    goal: '≥ 0.3',
    met: (v) => v >= 0.3,
  },
  'sync/rows/s 1M/10k': {
    baseline: 'rows/s at 10,000 records',
    ratio: true,
    goal: 'within 20%',
    met: (v) => v >= 0.8 && v <= 1.2,
  },
  'list/list first render ms 10k/100k': { baseline: 'none (ms from the click)' },
  'list/rows mounted': { baseline: 'none (document rows in the DOM)' },
  'list/search ms': { baseline: 'none (median keystroke, 100,000 documents)' },
  'list/worst keystroke ms': {
    baseline: 'a 60 Hz frame (16 ms)',
    goal: '≤ 16',
    met: (v) => v <= 16,
  },
  'list/first page 1M/10k': {
    baseline: 'the first page with 10,000 documents',
    ratio: true,
    goal: 'within 20%',
    met: (v) => v >= 0.8 && v <= 1.2,
  },
  'list/cold open ms': { baseline: 'none (fresh core and page)', goal: '≤ 50', met: (v) => v <= 50 },
  'start/renderer first-load KiB gz': { baseline: 'none' },
  'start/core ready ms': { baseline: 'raw open-and-select of the cache (warm process)' },
  'start/fresh process core ready ms': {
    baseline: 'a fresh node that only opens the cache and selects',
    goal: '≤ 50',
    met: (v) => v <= 50,
  },
  'upload/upload ratio': {
    baseline: 'plain HTTP PUT of the same file (median of the pairs)',
    ratio: true,
    goal: '≥ 0.8',
    met: (v) => v >= 0.8,
  },
  'upload/rss growth MiB client/server': { baseline: 'resident memory before the upload' },
  'upload/kills ok': { baseline: 'of 20 kills', goal: '20/20', met: (v) => v >= 20 },
  'upload/worst ratio': {
    baseline: 'plain HTTP PUT of the same file (worst pair)',
    ratio: true,
    goal: '≥ 0.7',
    met: (v) => v >= 0.7,
  },
  'server/feed/bare ratio': { baseline: 'a bare Fastify route', ratio: true },
};

interface Figure {
  bench: Bench;
  name: string;
  /** As printed (e.g. `120/340`, `20/20`). */
  text: string;
  /** The first number of it. */
  value: number | null;
  baseline: string;
  ratio: boolean;
  goal: string | null;
  met: boolean | null;
}

interface BenchRun {
  bench: Bench;
  ok: boolean;
  seconds: number;
  loadBefore: number[];
  loadAfter: number[];
  lastLine: string;
  figures: Figure[];
  /** Every line the benchmark printed on stdout (the baselines' own figures among them). */
  output: string[];
}

const argv = process.argv.slice(2);
const option = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const only = option('--only')?.split(',') ?? [...BENCHES];
const compareFile = option('--compare');
const previous = compareFile
  ? (JSON.parse(readFileSync(compareFile, 'utf8')) as { runs: BenchRun[]; commit: string })
  : null;

/** `a: 1; b c: 2/3` → [['a', '1'], ['b c', '2/3']]. */
export function parseLastLine(line: string): [string, string][] {
  return line
    .split('; ')
    .map((part) => {
      const at = part.lastIndexOf(': ');
      return [part.slice(0, at).trim(), part.slice(at + 2).trim()] as [string, string];
    })
    .filter(([name]) => name !== '');
}

function run(bench: Bench): Promise<{ ok: boolean; lastLine: string; output: string[] }> {
  const args = ['tsx', join('bench', `${bench}.ts`)];
  if (bench === 'upload' && argv.includes('--quick')) args.push('--quick');
  return new Promise((resolve) => {
    const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on('exit', (code) => {
      const lines = out.trim().split('\n');
      resolve({ ok: code === 0, lastLine: lines.at(-1) ?? '', output: lines });
    });
  });
}

function commit(): string {
  try {
    const head = readFileSync('.git/HEAD', 'utf8').trim();
    return head.startsWith('ref: ') ? readFileSync(join('.git', head.slice(5)), 'utf8').trim() : head;
  } catch {
    return 'unknown';
  }
}

const runs: BenchRun[] = [];
for (const bench of BENCHES.filter((b) => only.includes(b))) {
  process.stderr.write(`\n=== bench:${bench} ===\n`);
  const loadBefore = loadavg().map((l) => Number(l.toFixed(2)));
  const started = performance.now();
  const { ok, lastLine, output } = await run(bench);
  // A benchmark that misses its own targets may exit non-zero after its last line: its
  // figures still count (the run is marked), only a run without that line has none.
  const figures: Figure[] = lastLine.includes(': ')
    ? parseLastLine(lastLine).map(([name, text]) => {
        const goal = GOALS[`${bench}/${name}`];
        const value = Number(/-?\d+(\.\d+)?/.exec(text)?.[0] ?? NaN);
        const known = !Number.isNaN(value);
        return {
          bench,
          name,
          text,
          value: known ? value : null,
          baseline: goal?.baseline ?? '',
          ratio: goal?.ratio ?? false,
          goal: goal?.goal ?? null,
          met: goal?.met && known ? goal.met(value) : null,
        };
      })
    : [];
  runs.push({
    bench,
    ok,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    loadBefore,
    loadAfter: loadavg().map((l) => Number(l.toFixed(2))),
    lastLine,
    figures,
    output,
  });
}

mkdirSync(join('bench', 'results'), { recursive: true });
const latest = join('bench', 'results', 'latest.json');
if (existsSync(latest)) copyFileSync(latest, join('bench', 'results', 'previous.json'));
writeFileSync(
  latest,
  `${JSON.stringify({ commit: commit(), at: new Date().toISOString(), runs }, null, 2)}\n`,
);

const before = new Map(
  (previous?.runs ?? []).flatMap((r) => r.figures.map((f) => [`${f.bench}/${f.name}`, f.text] as const)),
);
const rows = runs.flatMap((r) =>
  r.figures.length > 0
    ? r.figures.map((f) => [
        `bench:${f.bench}${r.ok ? '' : ' (exit ≠ 0)'}`,
        f.name,
        f.text,
        ...(previous ? [before.get(`${f.bench}/${f.name}`) ?? ''] : []),
        f.goal ?? '',
        f.met === null ? '' : f.met ? 'yes' : 'NO',
        f.baseline,
        `${r.loadBefore[0]} → ${r.loadAfter[0]}`,
      ])
    : [[`bench:${r.bench}`, 'FAILED', '', ...(previous ? [''] : []), '', '', '', `${r.loadBefore[0]}`]],
);
const header = [
  'bench',
  'figure',
  'value',
  ...(previous ? [`was (${previous.commit.slice(0, 7)})`] : []),
  'goal',
  'met',
  'against',
  'load 1 min',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
for (const row of rows) console.log(line(row));
console.log(`\nwritten: ${latest} (commit ${commit().slice(0, 7)})`);
process.exit(runs.every((r) => r.ok) ? 0 : 1);
