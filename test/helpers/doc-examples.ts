/**
 * The curl examples of a page in docs/, as the docs tests run them: each `curl` line of a ```sh
 * block (backslash continuations joined) with the comment line under it, which says what the
 * answer must contain (`# {...}`, `# fields: ...`, `# prints: ...`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CurlExample {
  command: string;
  /** The line under the command ('' when there is none). */
  comment: string;
}

export function curlExamples(doc: string): CurlExample[] {
  const text = readFileSync(join(import.meta.dirname, '../../docs', doc), 'utf8');
  const out: CurlExample[] = [];
  for (const [, block = ''] of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block.replace(/\\\n/g, ' ').split('\n');
    lines.forEach((line, i) => {
      if (line.startsWith('curl')) out.push({ command: line, comment: lines[i + 1] ?? '' });
    });
  }
  return out;
}

/** The examples whose comment is the JSON their answer must contain (`# {...}`). */
export const jsonExamples = (doc: string): { command: string; expected: string }[] =>
  curlExamples(doc)
    .filter((e) => e.comment.startsWith('# {'))
    .map((e) => ({ command: e.command, expected: e.comment.slice(2) }));
