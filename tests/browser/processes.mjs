// The browser test's child processes (the SMTP server, vestibule): started with a deadline on
// the line that says they are ready, their output kept for failure messages, always stopped
// (SIGTERM, then SIGKILL after 5 s), killed when this process exits, and, through setpriv's
// pdeathsig, killed by the kernel when it is killed (CTest's timeout) before it could.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';

import { TestFailure } from './check.mjs';

export const START_TIMEOUT_MS = 15_000;  // a child process until it listens
export const children = new Set();
const setpriv = fs.existsSync('/usr/bin/setpriv');

// Without a VESTIBULE_* variable of the developer's shell: startServer's flags are the whole setup.
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VESTIBULE_')));
}

export function startChild(command, args, name) {
  const [cmd, argv] = setpriv ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: cleanEnv() });
  child.name = name;
  child.output = [];  // every line of stdout and stderr, for failure messages
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.on('error', () => {});
  children.add(child);
  child.exited.then(() => children.delete(child));
  const lines = createInterface({ input: child.stdout });
  createInterface({ input: child.stderr }).on('line', (l) => child.output.push(l));
  lines.on('line', (l) => child.output.push(l));
  child.lines = lines;
  return child;
}

export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await child.exited;
  clearTimeout(timer);
}

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

// Resolves with the first stdout line `match` accepts (its return value), rejects on `fatal`,
// on exit or after `ms`.
export function waitForLine(child, match, ms, what, fatal = () => false) {
  return new Promise((resolve, reject) => {
    const done = (fn, value) => {
      clearTimeout(timer);
      child.lines.off('line', onLine);
      child.off('exit', onExit);
      fn(value);
    };
    const onLine = (line) => {
      if (fatal(line)) return done(reject, new TestFailure(`${child.name}: ${line}`));
      const value = match(line);
      if (value !== undefined && value !== null && value !== false) done(resolve, value);
    };
    const onExit = (code, signal) => done(reject, new TestFailure(
      `${child.name} exited (${signal || code}) before ${what}:\n  ${child.output.slice(-20).join('\n  ')}`));
    const timer = setTimeout(() => done(reject, new TestFailure(
      `${child.name}: no ${what} within ${ms} ms:\n  ${child.output.slice(-20).join('\n  ')}`)), ms);
    child.lines.on('line', onLine);
    child.on('exit', onExit);
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// `vestibule serve` on a free loopback port with a fresh SQLite store in `dir`, mail to the SMTP
// server on `smtpPort`, and hashing cheap enough for a test. Resolves once it logs
// event=listening; picks another port if the one it chose was taken meanwhile.
export async function startServer(binary, dir, smtpPort) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const child = startChild(binary, ['serve',
      '--store', `sqlite:${dir}/vestibule.db`,
      '--listen', `127.0.0.1:${port}`,
      '--public-url', publicUrl,
      '--mail-url', `smtp://127.0.0.1:${smtpPort}`,
      '--hash-memory-kib', '1024', '--hash-iterations', '1', '--hash-threads', '2'], 'vestibule');
    try {
      await waitForLine(child, (l) => l.includes('event=listening'), START_TIMEOUT_MS, 'event=listening line',
        (l) => l.includes('event=listen.failed'));
      return { child, port, publicUrl };
    } catch (error) {
      await stopChild(child);
      // Another process took the port between freePort() and the bind: pick another.
      const inUse = child.output.some((l) => l.includes('event=listen.failed') && l.includes('in use'));
      if (!inUse || attempt === 5) throw error;
    }
  }
}
