import { spawnGroup } from '../../helpers/processes.ts';

/** Runs `node --import tsx script ...args` and resolves with its stdout; rejects on failure. */
export function runTsx(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(process.execPath, ['--import', 'tsx', script, ...args], {
      env: { ...process.env, ...env },
      stdin: 'ignore',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${script} exited with ${code}: ${stderr}`));
    });
  });
}
