/** A real redis-server (Debian's package; `.ci/run` installs it) on 127.0.0.1, one per test file, no persistence. */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './harness.ts';

export interface RedisServer {
  url: string;
  client: Redis;
  stop(): Promise<void>;
  /** Starts redis-server again on the same port, empty (no persistence: as after a restart of a cache). */
  restart(): Promise<void>;
  /** Freezes redis-server (SIGSTOP): connections stay open and nothing is answered, as with a hung Redis. */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
}

export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}


/** Spawns redis-server on `port` and resolves once it accepts connections. */
async function spawnRedis(port: number): Promise<ChildProcess> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    const check = () => {
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${output}`)));
  });
  return child;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child = await spawnRedis(port);
  const url = `redis://127.0.0.1:${port}/0`;
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  const kill = async () => {
    if (child.exitCode !== null || (child.signalCode !== null && child.signalCode !== 'SIGSTOP' && child.signalCode !== 'SIGCONT')) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await exited;
  };
  return {
    url,
    client,
    async stop() {
      client.disconnect();
      await kill();
    },
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
    async restart() {
      await kill();
      child = await spawnRedis(port);
      client.connect().catch(() => undefined);
    },
  };
}
