// Builds the web page into web/dist: esbuild bundles web/src (plain
// JavaScript and OpenLayers from npm) into app.js (the map page), page.js
// (the text pages), account.js (the account page) and office.js (the land
// office's page for staff and admins), each with its CSS; the HTML pages
// (with the parts they share, from web/parts/) and config.json are copied
// beside them, and privacy.json records the policy's version and date.
//   node web/build.mjs           minified build
//   node web/build.mjs --dev     readable, with source maps
//   node web/build.mjs --out DIR elsewhere than web/dist
import * as esbuild from 'esbuild';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION, DATE } from './src/privacy.js';

const web = dirname(fileURLToPath(import.meta.url));
const outAt = process.argv.indexOf('--out');
const dist = outAt > 0 && process.argv[outAt + 1] ? resolve(process.argv[outAt + 1]) : join(web, 'dist');
const dev = process.argv.includes('--dev');

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
const result = await esbuild.build({
  entryPoints: {
    app: join(web, 'src/main.js'),
    page: join(web, 'src/page.js'),
    account: join(web, 'src/account.js'),
    office: join(web, 'src/office.js'),
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
// A page's "<!-- part NAME -->" line becomes web/parts/NAME (without its
// leading comment), indented as the line was: markup two pages share.
async function withParts(html) {
  const parts = [...html.matchAll(/^([ \t]*)<!-- part ([\w-]+\.html) -->$/gm)];
  for (const [line, indent, name] of parts) {
    const text = (await readFile(join(web, 'parts', name), 'utf8')).replace(/^<!--[\s\S]*?-->\n/, '');
    html = html.replace(line, text.trimEnd().split('\n').map((l) => (l ? indent + l : l)).join('\n'));
  }
  return html;
}
for (const f of ['index.html', 'privacy.html', 'contact.html', 'account.html', 'office.html']) {
  await writeFile(join(dist, f), await withParts(await readFile(join(web, f), 'utf8')));
}
await cp(join(web, 'config.json'), join(dist, 'config.json'));
await writeFile(join(dist, 'privacy.json'), `${JSON.stringify({ version: VERSION, date: DATE })}\n`);
const sizes = Object.entries(result.metafile.outputs)
  .map(([f, o]) => `${f.split('/').pop()} ${(o.bytes / 1024).toFixed(0)} KB`).join(', ');
console.log(`web/dist: ${sizes}`);
