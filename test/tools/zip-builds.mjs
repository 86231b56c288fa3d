#!/usr/bin/env node
/**
 * Store-ready zips of the built extension (run after `npm run build:ext`):
 *   dist/pinpoint-whatsapp-chrome.zip   dist/chrome, manifest.json at the zip root
 *   dist/pinpoint-whatsapp-firefox.zip  `web-ext build` of dist/firefox (falls back to the same writer)
 * Chrome uses the `zip` CLI when present, else a minimal zip writer on node:zlib (deflate, no extras).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = join(root, 'dist');
const NAME = 'pinpoint-whatsapp';

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(full);
    }
  };
  walk(dir);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function dosTime(date) {
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2);
  const day = ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  return { time, day };
}

/** A minimal, valid zip (PKZIP 2.0: deflate or store, UTF-8 names, no zip64 — fine for an extension). */
export function writeZip(sourceDir, zipPath) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const { time, day } = dosTime(new Date(1980, 0, 1));
  for (const file of listFiles(sourceDir)) {
    const name = Buffer.from(relative(sourceDir, file).split(sep).join('/'), 'utf8');
    const data = readFileSync(file);
    const deflated = deflateRawSync(data, { level: 9 });
    const useDeflate = deflated.length < data.length;
    const body = useDeflate ? deflated : data;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(useDeflate ? 8 : 0, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(day, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(useDeflate ? 8 : 0, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(day, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(zipPath, Buffer.concat([...locals, centralDir, end]));
}

function hasZipCli() {
  return spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
}

function zipChrome(sourceDir, zipPath) {
  rmSync(zipPath, { force: true });
  if (hasZipCli()) {
    execFileSync('zip', ['-q', '-r', '-X', '-9', zipPath, '.'], { cwd: sourceDir, stdio: 'inherit' });
    return 'zip';
  }
  writeZip(sourceDir, zipPath);
  return 'node:zlib';
}

function zipFirefox(sourceDir, zipPath) {
  rmSync(zipPath, { force: true });
  const webExt = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'web-ext.cmd' : 'web-ext');
  if (existsSync(webExt)) {
    const out = mkdtempSync(join(tmpdir(), 'ppw-web-ext-'));
    try {
      const res = spawnSync(webExt, ['build', '--source-dir', sourceDir, '--artifacts-dir', out, '--overwrite-dest', '--no-input'], {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      });
      const built = readdirSync(out).find((f) => f.endsWith('.zip'));
      if (res.status === 0 && built) {
        renameSync(join(out, built), zipPath);
        return 'web-ext build';
      }
      process.stderr.write(`web-ext build failed (exit ${res.status}); writing the zip directly\n`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  writeZip(sourceDir, zipPath);
  return 'node:zlib';
}

function main() {
  let failed = false;
  for (const [target, zipper] of [['chrome', zipChrome], ['firefox', zipFirefox]]) {
    const sourceDir = join(dist, target);
    if (!existsSync(join(sourceDir, 'manifest.json'))) {
      process.stderr.write(`zip-builds: ${relative(root, sourceDir)}/manifest.json is missing — run \`npm run build:ext\` first\n`);
      failed = true;
      continue;
    }
    const zipPath = join(dist, `${NAME}-${target}.zip`);
    const how = zipper(sourceDir, zipPath);
    process.stdout.write(`${relative(root, zipPath)}  ${(statSync(zipPath).size / 1024).toFixed(1)} kB  (${how})\n`);
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
