// Build the static app into web/dist: copy the sources, copy the pinned npm dependencies the app
// needs out of node_modules (never committed), join the noble cryptography packages into one
// ES module, and stamp the service worker with the list of files it precaches and a version
// derived from their contents. The app's own modules are copied as written: no transpiler.
//
//   npm ci && npm run build        (make does both)

import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const out = join(here, 'dist');

// What the app takes from each dependency (path in node_modules -> file in vendor/).
const VENDOR = {
  'tweetnacl/nacl-fast.min.js': 'nacl-fast.min.js',
  'jsqr/dist/jsQR.js': 'jsQR.js',
  'qrcode-generator/dist/qrcode.mjs': 'qrcode.mjs',
};
const LICENSES = ['tweetnacl/LICENSE', 'jsqr/LICENSE', '@noble/curves/LICENSE', '@noble/hashes/LICENSE'];

// What the app takes from the audited noble packages (entry point -> names), one vendor module.
const NOBLE = {
  '@noble/curves/ed25519.js': ['ed25519', 'ristretto255_oprf'],
  '@noble/hashes/blake2.js': ['blake2b'],
};
const packageOf = (path) => path.split('/').slice(0, path.startsWith('@') ? 2 : 1).join('/');
const pinned = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));

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
const notices = LICENSES.map((path) => `== ${packageOf(path)} ==\n${readFileSync(join(here, 'node_modules', path), 'utf8')}`);
writeFileSync(join(vendor, 'LICENSES.txt'), notices.join('\n'));

/** The installed version of a package; the build stops unless it is the one package.json pins. */
function installed(name) {
  const { version } = JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8'));
  const wanted = pinned.dependencies[name] ?? pinned.devDependencies[name];
  if (version !== wanted) throw new Error(`${name} ${version} is installed, package.json pins ${wanted}: run npm ci`);
  return `${name} ${version}`;
}

// noble's ES modules import each other by package name (`@noble/hashes/sha2.js`), which a
// browser resolves only through an import map, and an inline one is what the strict CSP
// forbids. esbuild joins the entry points above into vendor/noble.js: tree-shaken (FROST, FFT
// and the other curves stay out), not minified, so it reads as the packages' own code with
// each file's path above its part, and the header says which versions and files it holds.
async function vendorNoble() {
  const entry = Object.entries(NOBLE).map(([from, names]) => `export { ${names.join(', ')} } from '${from}';`).join('\n');
  const result = await build({
    stdin: { contents: entry, resolveDir: here, sourcefile: 'noble-entry.js' },
    bundle: true, format: 'esm', platform: 'browser', charset: 'utf8', legalComments: 'inline',
    metafile: true, write: false, logLevel: 'warning',
  });
  const [output] = Object.values(result.metafile.outputs);
  const inputs = Object.entries(output.inputs).filter(([p, i]) => p.startsWith('node_modules/') && i.bytesInOutput > 0).map(([p]) => p).sort();
  const header = [
    `// ${['@noble/curves', '@noble/hashes'].map(installed).join(', ')}: ${Object.keys(NOBLE).join(', ')}`,
    `// joined by ${installed('esbuild')} (web/build.mjs) from ${inputs.length} files:`,
    ...inputs.map((p) => `//   ${p.slice('node_modules/'.length)}`),
  ];
  writeFileSync(join(vendor, 'noble.js'), `${header.join('\n')}\n${result.outputFiles[0].text}`);
}
await vendorNoble();

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
// The shell a phone downloads at install (what loadtests.bench_wallet measures, gzip level 9).
const packed = [...shell, join(wallet, 'sw.js')].reduce((n, p) => n + gzipSync(readFileSync(p), { level: 9 }).length, 0);
console.log(`web/dist: ${urls.length} files, version ${version}, app shell ${packed.toLocaleString('en')} bytes gzip -9`);
