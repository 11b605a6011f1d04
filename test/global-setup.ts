/**
 * Builds dist/ once before the tests (incremental: about a second when nothing changed), so the
 * tests that start `bin/tollgate.js` or import `tollgate/testing` by name run the current code.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, '-b', 'tsconfig.build.json'],
    { cwd: root, stdio: 'inherit' },
  );
}
