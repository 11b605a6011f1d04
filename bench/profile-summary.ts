/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --cpu-prof`): the
 * functions with the most self time, and the source files with the most self time, so a miss
 * in BENCHMARKS.md can say where the time goes.
 *
 * Usage: `node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (!file) {
  process.stderr.write(
    'Usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top N]\n',
  );
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const top = Number(values.top);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) =>
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
);
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
// Percentages are of busy time: a server under a bounded load also waits.
const idleUs = profile.nodes
  .filter((n) => n.callFrame.functionName === '(idle)')
  .reduce((a, n) => a + (selfUs.get(n.id) ?? 0), 0);
const busy = total - idleUs;

const shorten = (url: string): string =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, 'node_modules/')
    .replace(/^.*\/(src|bench)\//, '$1/');
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node || node.callFrame.functionName === '(idle)') continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${shorten(url)}:${lineNumber + 1}` : '(native)';
  const key = `${functionName || '(anonymous)'}  ${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const fileKey = url
    ? shorten(url).replace(/^(node_modules\/(@[^/]+\/)?[^/]+).*$/, '$1')
    : functionName || '(native)';
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
}
process.stdout.on('error', () => process.exit(0));
const print = (title: string, map: Map<string, number>): void => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${k}\n`);
  }
};
process.stdout.write(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages are of busy time)\n`,
);
// Inclusive time: each sample counts once for every distinct function on its stack.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (n: ProfileNode): string =>
  `${n.callFrame.functionName || '(anonymous)'}  ${n.callFrame.url ? `${shorten(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : '(native)'}`;
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
  const seen = new Set<string>();
  for (
    let at: number | undefined = id, depth = 0;
    at !== undefined && depth < 500;
    at = parent.get(at), depth++
  ) {
    const node = byId.get(at);
    if (node) seen.add(keyOf(node));
  }
  for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
}
print('Self time by function', byFunction);
print('Inclusive time by function', inclusive);
print('Self time by file or package', byFile);
