/**
 * Where the machine's CPU went during a measured window (Linux /proc; nothing elsewhere): each
 * CPU's busy share, the CPU time of every PostgreSQL process on this machine, and this driver
 * process's own (autocannon runs in it). With the server pinned to one CPU and the load generator
 * to the other, PostgreSQL (not pinned) shares a CPU with one of them, so these figures tell
 * whether a case was bound by Tollgate's CPU, by the other CPU, or by neither (waiting).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: 100 on every Linux platform Node supports. */
const CLOCK_TICKS = 100;

export interface Usage {
  /** Busy share (0-1) of each CPU over the window, in CPU order. */
  coreBusy: number[];
  /** CPU time of all `postgres` processes during the window, in µs; null when none were seen. */
  postgresUs: number | null;
  /** This process's CPU time during the window (the load generator), in µs. */
  loadGeneratorUs: number;
}

interface Snapshot {
  cores: { busy: number; total: number }[];
  postgres: Map<number, number>;
  self: NodeJS.CpuUsage;
}

function readCores(): { busy: number; total: number }[] {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((line) => /^cpu\d+ /.test(line))
      .map((line) => {
        // user nice system idle iowait irq softirq steal (guest time is inside user already).
        const [user, nice, system, idle, iowait, irq, softirq, steal] = line
          .split(/\s+/)
          .slice(1, 9)
          .map(Number) as number[];
        const idleAll = (idle ?? 0) + (iowait ?? 0);
        const busy =
          (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
        return { busy, total: busy + idleAll };
      });
  } catch {
    return [];
  }
}

/** utime + stime in ticks of every process named `postgres`, by pid. */
function readPostgres(): Map<number, number> {
  const found = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return found;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      if (stat.slice(open + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      found.set(Number(pid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return found;
}

/** Starts a window; call the function it returns at the window's end. */
export function startUsage(): () => Usage {
  const before: Snapshot = {
    cores: readCores(),
    postgres: readPostgres(),
    self: process.cpuUsage(),
  };
  return () => {
    const self = process.cpuUsage(before.self);
    const cores = readCores();
    const postgres = readPostgres();
    let pgTicks = 0;
    // A process that started in the window counts whole; one that ended in it is not seen.
    for (const [pid, ticks] of postgres) pgTicks += ticks - (before.postgres.get(pid) ?? 0);
    return {
      coreBusy: cores.map((c, i) => {
        const b = before.cores[i];
        const total = c.total - (b?.total ?? 0);
        return total > 0 ? (c.busy - (b?.busy ?? 0)) / total : 0;
      }),
      postgresUs: postgres.size > 0 ? (pgTicks / CLOCK_TICKS) * 1e6 : null,
      loadGeneratorUs: self.user + self.system,
    };
  };
}
