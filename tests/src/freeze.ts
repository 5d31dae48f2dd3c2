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
  const tree = await processTree(postmasterPid);
  for (const pid of tree) process.kill(pid, 'SIGSTOP');
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
