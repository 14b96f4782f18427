// The server as one file, dist/hpc-proxy.cjs: src/main.ts and every
// dependency (fastify, ajv, http-proxy) bundled by esbuild for Node 20, with
// the package's version built in, so it runs with nothing else installed
// (the npm package's bin requires it; the Python wheel's launcher runs it).
// usage: node scripts/bundle.mjs   (npm run bundle -w server-proxy)
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8')
);

await build({
  entryPoints: [join(root, 'src', 'main.ts')],
  outfile: join(root, 'dist', 'hpc-proxy.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  legalComments: 'inline',
  define: { HPC_BUNDLED_VERSION: JSON.stringify(version) },
  // `node hpc-proxy.cjs serve ...` runs it (the wheel's launcher does);
  // `require()` of it (bin/hpc-proxy) only gets `main`.
  footer: {
    js: [
      'if (require.main === module) {',
      '  module.exports.main(process.argv.slice(2)).catch(err => {',
      '    process.stderr.write(`hpc-proxy: ${err && err.stack ? err.stack : err}\\n`);',
      '    process.exit(1);',
      '  });',
      '}'
    ].join('\n')
  },
  logLevel: 'warning'
});
console.log(`dist/hpc-proxy.cjs (version ${version})`);
