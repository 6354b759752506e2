// Build the static app into web/dist: copy the sources, copy the pinned npm dependencies the app
// needs out of node_modules (never committed), and stamp the service worker with the list of
// files it precaches and a version derived from their contents. No bundler, no transpiler.
//
//   npm ci && npm run build        (make does both)

import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const out = join(here, 'dist');

// What the app takes from each dependency (path in node_modules -> file in vendor/).
const VENDOR = {
  'tweetnacl/nacl-fast.min.js': 'nacl-fast.min.js',
  'jsqr/dist/jsQR.js': 'jsQR.js',
  'qrcode-generator/dist/qrcode.mjs': 'qrcode.mjs',
};
const LICENSES = ['tweetnacl/LICENSE', 'jsqr/LICENSE'];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(src, 'wallet'), join(out, 'wallet'), { recursive: true });
cpSync(join(src, 'lib'), join(out, 'wallet', 'lib'), { recursive: true });
cpSync(join(src, 'explorer'), join(out, 'explorer'), { recursive: true });
const vendor = join(out, 'wallet', 'vendor');
mkdirSync(vendor, { recursive: true });
for (const [from, to] of Object.entries(VENDOR)) cpSync(join(here, 'node_modules', from), join(vendor, to));

// jsQR 1.4.0 lists a wrong alignment pattern centre for version 23 (74; ISO/IEC 18004 Annex E
// says 78), so it can read no version-23 code at all (upstream cozmo/jsQR issue 251, open).
// A 1 KB offline bundle is a version-23 code (docs/offline.md), so the copy is corrected here.
const JSQR_BUG = 'alignmentPatternCenters: [6, 30, 54, 74, 102]';
const jsqr = readFileSync(join(vendor, 'jsQR.js'), 'utf8');
if (jsqr.split(JSQR_BUG).length !== 2) throw new Error('jsQR changed: review the version-23 fix');
writeFileSync(join(vendor, 'jsQR.js'), jsqr.replace(JSQR_BUG, 'alignmentPatternCenters: [6, 30, 54, 78, 102]'));
const notices = LICENSES.map((path) => `== ${path.split('/')[0]} ==\n${readFileSync(join(here, 'node_modules', path), 'utf8')}`);
writeFileSync(join(vendor, 'LICENSES.txt'), notices.join('\n'));

// The service worker precaches the whole app; its version changes whenever any file does.
const wallet = join(out, 'wallet');
// lib/vectors.js is the tests' self-check against the docs' vectors: served, never precached.
const skip = ['sw.js', 'LICENSES.txt', 'vectors.js'];
const shell = files(wallet).filter((p) => !skip.some((name) => p.endsWith(name))).sort();
const digest = createHash('sha256');
for (const path of shell) digest.update(relative(wallet, path)).update(readFileSync(path));
const version = digest.digest('hex').slice(0, 16);
const urls = ['./', ...shell.map((p) => relative(wallet, p).split('\\').join('/')).filter((p) => p !== 'index.html')];
const worker = readFileSync(join(wallet, 'sw.js'), 'utf8')
  .replace("'__VERSION__'", JSON.stringify(version))
  .replace('[/* __FILES__ */]', JSON.stringify(urls));
writeFileSync(join(wallet, 'sw.js'), worker);
writeFileSync(join(out, 'build.json'), JSON.stringify({ version, files: urls }, null, 1));
console.log(`web/dist: ${urls.length} files, version ${version}`);
