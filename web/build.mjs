// Builds the web page into web/dist: esbuild bundles web/src (plain
// JavaScript and OpenLayers from npm) into app.js (the map page), page.js
// (the text pages) and account.js (the account page), each with its CSS;
// the HTML pages and config.json are copied beside them, and privacy.json
// records the policy's version and date.
//   node web/build.mjs           minified build
//   node web/build.mjs --dev     readable, with source maps
import * as esbuild from 'esbuild';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION, DATE } from './src/privacy.js';

const web = dirname(fileURLToPath(import.meta.url));
const dist = join(web, 'dist');
const dev = process.argv.includes('--dev');

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
const result = await esbuild.build({
  entryPoints: {
    app: join(web, 'src/main.js'), page: join(web, 'src/page.js'), account: join(web, 'src/account.js'),
  },
  bundle: true,
  format: 'esm',
  target: 'es2021',
  minify: !dev,
  sourcemap: dev ? 'inline' : false,
  outdir: dist,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});
for (const f of ['index.html', 'privacy.html', 'contact.html', 'account.html', 'config.json']) {
  await cp(join(web, f), join(dist, f));
}
await writeFile(join(dist, 'privacy.json'), `${JSON.stringify({ version: VERSION, date: DATE })}\n`);
const sizes = Object.entries(result.metafile.outputs)
  .map(([f, o]) => `${f.split('/').pop()} ${(o.bytes / 1024).toFixed(0)} KB`).join(', ');
console.log(`web/dist: ${sizes}`);
