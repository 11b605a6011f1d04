/**
 * Child processes for tests, each in its own process group, so that stopping one stops
 * everything it started (`npm start` runs a shell that runs node: killing npm alone leaves the
 * server running). Every group still alive when a test file ends is killed by the setup file
 * (test/helpers/process-cleanup.ts), also when the test failed or timed out; the global
 * teardown then fails the run if any process the tests started outlived them.
 */
import { spawn, type ChildProcessWithoutNullStreams, type SpawnOptions } from 'node:child_process';

const live = new Set<ChildProcessWithoutNullStreams>();

/** The environment variable that marks every process a test run starts (see global-setup.ts). */
export const TEST_RUN_MARK = 'TOLLGATE_TEST_RUN';

/** Starts `command` in a new process group, its output piped, and remembers it until it is stopped. */
export function spawnGroup(
  command: string,
  args: readonly string[],
  options: Omit<SpawnOptions, 'detached' | 'stdio'> & { stdin?: 'ignore' | 'pipe' } = {},
): ChildProcessWithoutNullStreams {
  const { stdin = 'pipe', ...rest } = options;
  const child = spawn(command, args, {
    ...rest,
    detached: true,
    stdio: [stdin, 'pipe', 'pipe'],
  }) as ChildProcessWithoutNullStreams;
  live.add(child);
  return child;
}

const groupAlive = (pid: number): boolean => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
};

/**
 * Sends `signal` to the whole group and waits until every process in it has exited; after
 * `timeoutMs` the group is killed with SIGKILL. Resolves with the leader's exit code.
 */
export async function stopGroup(
  child: ChildProcessWithoutNullStreams,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 10_000,
): Promise<number | null> {
  const pid = child.pid;
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  if (pid !== undefined) {
    signalGroup(pid, signal);
    const deadline = Date.now() + timeoutMs;
    while (groupAlive(pid) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
    while (groupAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  live.delete(child);
  return exited;
}

/** Stops every group this test file started and has not stopped; returns how many there were. */
export async function stopAllGroups(): Promise<number> {
  const left = [...live].filter((child) => child.pid !== undefined && groupAlive(child.pid));
  await Promise.all([...live].map((child) => stopGroup(child, 'SIGKILL', 0)));
  return left.length;
}
