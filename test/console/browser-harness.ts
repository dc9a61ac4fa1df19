/** Browser-test harness: the bundled CLI's `console` as a child process, and Debian's Chromium via playwright-core. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The bundled CLI; CONSOLE_TEST_CLI points at another build (e.g. while others rebuild dist/ in a shared tree). */
export const CLI = process.env.CONSOLE_TEST_CLI ?? path.join(ROOT, 'dist', 'cli.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Where screenshots go: docs/ when UPDATE_SCREENSHOTS=1 (to refresh the README's), else a scratch directory. */
export const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs') : mkdtempSync(path.join(os.tmpdir(), 'console-shots-'));

/** Playwright's launch() gives every browser a new empty profile (--user-data-dir) of its own. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ConsoleProcess {
  /** The printed URL, token included. */
  url: string;
  origin: string;
  token: string;
  gatewayUrl?: string;
  stdout: () => string;
  stop: () => Promise<void>;
}

/** Spawns `node dist/cli.js console ARGS` and waits for the URL it prints. */
export async function startConsoleProcess(args: string[], env: Record<string, string | undefined>): Promise<ConsoleProcess> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'console', ...args], {
    env: Object.fromEntries(Object.entries({ PATH: process.env.PATH, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`console did not start:\n${out}\n${err}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`console exited ${code}:\n${out}\n${err}`));
    });
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token')!,
    gatewayUrl: /Gateway serving MCP at (\S+?);/.exec(out)?.[1],
    stdout: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
