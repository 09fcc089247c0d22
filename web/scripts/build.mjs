// Builds web/dist from web/src: copies the pages, styles and modules as they are (plain ES
// modules, no bundler), and uPlot's distributed ES module and stylesheet from node_modules into
// dist/vendor/. The output folder is replaced as a whole, so no stale file survives.
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const dist = join(root, 'dist');
const tmp = join(root, 'dist.tmp');

const vendor = [
  ['uplot/dist/uPlot.esm.js', 'uPlot.esm.js'],
  ['uplot/dist/uPlot.min.css', 'uPlot.min.css'],
  ['uplot/LICENSE', 'uPlot.LICENSE.txt'],
];

rmSync(tmp, { recursive: true, force: true });
cpSync(join(root, 'src'), tmp, { recursive: true });
mkdirSync(join(tmp, 'vendor'), { recursive: true });
for (const [from, to] of vendor) {
  const source = require.resolve(from);
  if (!existsSync(source)) throw new Error(`web/build: ${from} is missing; run npm ci`);
  cpSync(source, join(tmp, 'vendor', to));
}
const { version } = require('uplot/package.json');
writeFileSync(join(tmp, 'vendor', 'VERSIONS.json'), JSON.stringify({ uplot: version }, null, 2) + '\n');
rmSync(dist, { recursive: true, force: true });
renameSync(tmp, dist);
console.log(`web/build: wrote ${dist} (uPlot ${version})`);
