// docker-compose.yml as a deployment would read it (there is no Docker engine here): parsed with
// `yaml` (merge keys as Compose resolves them), then checked for the wiring the README promises:
// a PostgreSQL primary streaming to a replica made by pg_basebackup, every alarm-center node
// reading from that replica, everyone reaching PostgreSQL through HAProxy (so a failover needs no
// new address), start-up order without a cycle, and the files and volumes it mounts present.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface Service {
  image?: string;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true, uniqueKeys: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const words = (value: string | string[] | undefined) => (Array.isArray(value) ? value : (value ?? '').split(/\s+/));
const dependsOn = (s: Service) => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));
const mounts = (s: Service) => (s.volumes ?? []).map((v) => v.split(':') as [string, string, ...string[]]);
const alarmCenters = Object.keys(services).filter((name) => /^alarm-center-\d+$/.test(name));

describe('docker-compose.yml', () => {
  it('runs the primary with WAL for a replica and a replication role created at initdb', () => {
    const primary = services.postgres!;
    assert.ok(words(primary.command).includes('wal_level=replica'), 'wal_level replica');
    const init = mounts(primary).find(([, target]) => target.startsWith('/docker-entrypoint-initdb.d/'));
    assert.ok(init, 'an init script for the replication role');
    const script = readFileSync(join(root, init[0]), 'utf8');
    assert.match(script, /CREATE ROLE replicator WITH REPLICATION LOGIN/);
    assert.match(script, /host replication replicator all scram-sha-256/);
    assert.match(script, /synchronous_standby_names = 'replica'/, 'a commit waits for the replica');
  });

  it('starts the replica from a pg_basebackup of the primary, as the standby the primary waits for', () => {
    const replica = services['postgres-replica']!;
    assert.match(replica.image ?? '', /^postgres:15/);
    assert.equal(replica.environment?.PRIMARY_HOST, 'postgres');
    assert.equal(replica.environment?.REPLICATION_PASSWORD, services.postgres!.environment?.REPLICATION_PASSWORD);
    const [entrypoint] = words(replica.entrypoint);
    const script = mounts(replica).find(([, target]) => target === entrypoint);
    assert.ok(script, 'the entrypoint is mounted');
    const text = readFileSync(join(root, script[0]), 'utf8');
    assert.match(text, /pg_basebackup -h "\$PRIMARY_HOST" -U replicator -D "\$PGDATA" \\\n\s+-R -X stream/);
    assert.match(text, /cluster_name=replica/);
    assert.ok(dependsOn(replica).includes('postgres'));
  });

  it('gives every alarm-center node the replica for reads and the primary through HAProxy', () => {
    assert.ok(alarmCenters.length >= 2, 'several nodes');
    for (const name of alarmCenters) {
      const env = services[name]!.environment ?? {};
      const replica = new URL(env.DATABASE_REPLICA_URL ?? 'missing:');
      const primary = new URL(env.DATABASE_URL ?? 'missing:');
      assert.equal(replica.hostname, 'postgres-replica', `${name} reads from the replica`);
      assert.equal(primary.host, 'haproxy:5432', `${name} writes through HAProxy`);
      assert.equal(replica.pathname, primary.pathname, `${name}: the same database on both`);
      assert.ok(dependsOn(services[name]!).includes('postgres-replica'), `${name} starts after the replica`);
    }
  });

  it('sends every service that uses PostgreSQL through HAProxy, which has the replica as the backup', async () => {
    for (const [name, service] of Object.entries(services)) {
      const url = service.environment?.DATABASE_URL;
      if (url) assert.equal(new URL(url).host, 'haproxy:5432', name);
    }
    const cfg = readFileSync(join(root, 'deploy/haproxy.cfg'), 'utf8');
    assert.match(cfg, /frontend postgres\n\s+bind :5432\n\s+default_backend postgres-primary/);
    assert.match(cfg, /server primary postgres:5432 check\n/);
    assert.match(cfg, /server replica postgres-replica:5432 check backup\n/);
    // Debian's haproxy checks the whole file (names Docker would resolve are only warned about).
    const { stdout, stderr } = await run('haproxy', ['-c', '-f', join(root, 'deploy/haproxy.cfg')]);
    assert.match(stdout + stderr, /Configuration file is valid/);
  });

  it('can be started: dependencies exist and form no cycle, mounted files and named volumes exist', async () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, path: string[]) => {
      assert.ok(services[name], `${path.join(' -> ')} depends on a missing service ${name}`);
      assert.ok(!visiting.has(name), `depends_on cycle: ${[...path, name].join(' -> ')}`);
      if (done.has(name)) return;
      visiting.add(name);
      for (const next of dependsOn(services[name]!)) visit(next, [...path, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
    for (const [name, service] of Object.entries(services)) {
      for (const [source] of mounts(service)) {
        if (source.startsWith('.')) assert.ok(existsSync(join(root, source)), `${name} mounts ${source}`);
        else assert.ok(source in compose.volumes, `${name}: volume ${source} declared`);
      }
    }
    for (const script of ['deploy/postgres/primary-init.sh', 'deploy/postgres/replica-entrypoint.sh']) {
      await run('sh', ['-n', join(root, script)]);
    }
  });
});
