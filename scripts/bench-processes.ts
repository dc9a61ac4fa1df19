/**
 * The processes `npm run bench` measures: the simulator in its own process (so that it does not share an event loop
 * with the measuring client), and the built gateway (dist/cli.js) over stdio, driven by the MCP SDK's client.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const root = path.resolve(import.meta.dirname, '..');
export const cli = path.join(root, 'dist', 'cli.js');
const simulatorBin = path.join(root, 'packages', 'argocd-simulator', 'bin', 'argocd-simulator.mjs');

export interface SimulatorProcess {
  url: string;
  tokens: { admin: string; readonly: string };
  close: () => void;
}

/** Starts `argocd-simulator --port 0 [--apps N]` and waits until it prints its URL and tokens (seeding comes first). */
export async function simulatorProcess(options: { apps?: number } = {}): Promise<SimulatorProcess> {
  const args = [simulatorBin, '--port', '0', ...(options.apps !== undefined ? ['--apps', String(options.apps)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const found = await new Promise<{ url: string; admin: string; readonly: string }>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const url = /listening on (\S+)/.exec(err)?.[1];
      const admin = /admin token:\s+(\S+)/.exec(err)?.[1];
      const ro = /readonly token:\s+(\S+)/.exec(err)?.[1];
      if (url && admin && ro) resolve({ url, admin, readonly: ro });
    });
    child.once('exit', (code) => reject(new Error(`simulator exited ${code}: ${err}`)));
  });
  return { url: found.url, tokens: { admin: found.admin, readonly: found.readonly }, close: () => child.kill() };
}

export async function connectWith(env: Record<string, string>): Promise<{ client: Client; pid: number }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli], env, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  return { client, pid: transport.pid ?? 0 };
}

export const text = (r: CallToolResult) => r.content.map((c) => (c as { text?: string }).text ?? '').join('\n');

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
}

export const rssMb = (pid: number) => statusKb(pid, 'VmRSS') / 1024;
/** The process's peak resident memory since it started, or since the last resetPeakRss. */
export const peakRssMb = (pid: number) => statusKb(pid, 'VmHWM') / 1024;

/** Lowers VmHWM to the current RSS (Linux: `5` to /proc/PID/clear_refs), so a peak can be read per question. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
