#!/usr/bin/env node
// `npm test`: typecheck, build the extension for the browser tests, run every Vitest suite, and end
// with one plain "N passed, N failed" line (what CI reads). Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
};

let failedSteps = 0;
process.stdout.write('› typecheck\n');
if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) failedSteps++;

// The browser tests load a build that also matches 127.0.0.1/localhost pages, built apart from dist/chrome.
process.stdout.write('› build the extension for the browser tests (dist/e2e)\n');
for (const target of ['chrome', 'firefox']) {
  if (run('npx', ['vite', 'build', '--logLevel', 'warn'], { TARGET: target, PPW_DEMO: '1', PPW_OUT_DIR: `dist/e2e/${target}` }) !== 0) failedSteps++;
}

process.stdout.write('› vitest\n');
rmSync('.vitest.json', { force: true });
const code = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile=.vitest.json', ...process.argv.slice(2)]);
let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(readFileSync('.vitest.json', 'utf8'));
  passed = report.numPassedTests;
  // A file that failed without a failing test (it didn't load, or a hook threw) counts once; a file with
  // failing tests is already counted by them.
  const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  failed = report.numFailedTests + brokenFiles;
} catch {
  failed++;
}
failed += failedSteps;
if (code !== 0 && failed === 0) failed = 1;
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 && code === 0 ? 0 : 1);
