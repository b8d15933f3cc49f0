import { execFile, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { S3Config } from '../../src/server/blobs/s3.js';

const run = promisify(execFile);

/** A real S3 server on loopback: Ceph's RADOS Gateway over a one-node, in-memory Ceph cluster. */
export interface RealS3 {
  config: S3Config;
  /** Stops the three daemons and removes their folder. */
  stop(): Promise<void>;
}

const DAEMONS = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'ceph'];

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The daemon's log, for a failure that says why. */
function logTail(dir: string): string {
  const logs = path.join(dir, 'log');
  if (!fs.existsSync(logs)) return '';
  return fs
    .readdirSync(logs)
    .map((f) => `--- ${f}\n${fs.readFileSync(path.join(logs, f), 'utf8').split('\n').slice(-15).join('\n')}`)
    .join('\n');
}

/**
 * Starts mon, osd (memstore) and radosgw in a temp folder on free ports, as
 * /work/shared/S3.md describes (Debian's radosgw has no dbstore backend, so it needs a
 * cluster), waits until the gateway answers, and creates a user and a bucket. Throws with
 * the daemons' logs when anything does not start: a missing package is a failure, never
 * a skip.
 */
export async function startRealS3(): Promise<RealS3> {
  const missing = DAEMONS.filter((bin) => spawnSync('which', [bin]).status !== 0);
  if (missing.length > 0) {
    throw new Error(
      `The S3 tests need Ceph's radosgw: ${missing.join(', ')} not found (apt-get install -y ceph-mon ceph-osd radosgw).`,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-ceph-'));
  const monPort = await freePort();
  const s3Port = await freePort();
  const fsid = randomUUID();
  const conf = path.join(dir, 'ceph.conf');
  for (const sub of ['run', 'log', 'mon-a', 'osd-0']) fs.mkdirSync(path.join(dir, sub));
  fs.writeFileSync(
    conf,
    [
      '[global]',
      `fsid = ${fsid}`,
      `mon host = 127.0.0.1:${monPort}`,
      'mon initial members = a',
      'auth cluster required = none',
      'auth service required = none',
      'auth client required = none',
      'osd pool default size = 1',
      'osd pool default min size = 1',
      'mon allow pool size one = true',
      'mon allow pool delete = true',
      'osd crush chooseleaf type = 0',
      'mon_warn_on_pool_no_redundancy = false',
      // Without crc, the gateway's first talk to the monitor fails here (EACCES, auth none offers no secure mode).
      'ms mon client mode = crc secure',
      `run dir = ${dir}/run`,
      `log file = ${dir}/log/$name.log`,
      `admin socket = ${dir}/run/$name.asok`,
      `pid file = ${dir}/run/$name.pid`,
      'osd objectstore = memstore',
      'memstore device bytes = 1073741824',
      `osd data = ${dir}/osd-$id`,
      `mon data = ${dir}/mon-$id`,
      '',
    ].join('\n'),
  );
  const stop = async () => {
    for (const name of ['client.rgw.a', 'osd.0', 'mon.a']) {
      const pidFile = path.join(dir, 'run', `${name}.pid`);
      if (!fs.existsSync(pidFile)) continue;
      const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const step = async (bin: string, args: string[]) => {
    try {
      return (await run(bin, ['-c', conf, ...args], { timeout: 60_000 })).stdout;
    } catch (error) {
      throw new Error(`${bin} ${args.join(' ')} failed: ${(error as Error).message}\n${logTail(dir)}`);
    }
  };
  try {
    await run('monmaptool', [
      '--create',
      '--add',
      'a',
      `127.0.0.1:${monPort}`,
      '--fsid',
      fsid,
      path.join(dir, 'monmap'),
    ]);
    await step('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', path.join(dir, 'monmap')]);
    await step('ceph-mon', ['-i', 'a']);
    await step('ceph', ['osd', 'create']);
    await step('ceph-osd', ['-i', '0', '--mkfs']);
    await step('ceph', ['osd', 'crush', 'add-bucket', 'localhost', 'host']);
    await step('ceph', ['osd', 'crush', 'move', 'localhost', 'root=default']);
    await step('ceph', ['osd', 'crush', 'add', 'osd.0', '1.0', 'host=localhost']);
    await step('ceph-osd', ['-i', '0']);
    await step('radosgw', ['-n', 'client.rgw.a', `--rgw-frontends=beast endpoint=127.0.0.1:${s3Port}`]);
    const endpoint = `http://127.0.0.1:${s3Port}`;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const text = await fetch(endpoint).then(
        (r) => r.text(),
        () => '',
      );
      if (text.includes('ListAllMyBucketsResult')) break;
      if (Date.now() > deadline) throw new Error(`radosgw did not answer at ${endpoint}\n${logTail(dir)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const accessKeyId = `K${randomBytes(9).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(20).toString('hex');
    await step('radosgw-admin', [
      'user',
      'create',
      '--uid=sferum',
      '--display-name=sferum',
      `--access-key=${accessKeyId}`,
      `--secret=${secretAccessKey}`,
    ]);
    const config: S3Config = {
      endpoint,
      bucket: 'sferum-documents',
      region: 'us-east-1',
      accessKeyId,
      secretAccessKey,
      forcePathStyle: true,
    };
    const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      endpoint,
      region: config.region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
    });
    await client.send(new CreateBucketCommand({ Bucket: config.bucket }));
    client.destroy();
    return { config, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
