// Freezes a PostgreSQL server without closing a single connection (SIGSTOP to the postmaster and
// every backend), the way a hung disk or a stuck host looks from the alarm center: queries and
// new connections wait forever rather than fail.

import { readdir, readFile } from 'node:fs/promises';

async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!parents.has(ppid)) parents.set(ppid, []);
    parents.get(ppid)!.push(Number(entry));
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

export async function freeze(postmasterPid: number): Promise<() => Promise<void>> {
  // The postmaster first, so that no backend is forked after the scan below: one forked while
  // /proc was read (a pool opening a connection) would otherwise run on and answer the probe.
  process.kill(postmasterPid, 'SIGSTOP');
  const tree = [postmasterPid];
  for (;;) {
    const fresh = (await processTree(postmasterPid)).filter((pid) => !tree.includes(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      try {
        process.kill(pid, 'SIGSTOP');
        tree.push(pid);
      } catch {
        /* exited meanwhile */
      }
    }
  }
  // The very processes frozen: a postmaster killed meanwhile leaves its backends to init.
  return async () => {
    for (const pid of tree) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* already gone: the alarm center's shutdown killed it */
      }
    }
  };
}
