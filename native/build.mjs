// Builds the native kernel addon (build/Release/ganforge_kernels.node) when a compiler, Node's headers and OpenBLAS
// are there; otherwise says in one line what is missing and exits 0: the WebAssembly path works without it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const APT = 'apt-get install g++ make python3 libopenblas-dev (and libdnnl-dev: faster products)';

// Node's own headers, next to the node binary (/usr/bin/node -> /usr/include/node): node-gyp must not download them.
const nodedir = path.resolve(path.dirname(process.execPath), '..');
const gyp = [
  process.env.npm_config_node_gyp,
  process.env.npm_execpath && path.join(path.dirname(process.env.npm_execpath), '../node_modules/node-gyp/bin/node-gyp.js'),
  '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
].find((p) => p && existsSync(p));

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = [
  !has('g++') && 'g++',
  !has('make') && 'make',
  !has('python3') && 'python3',
  !existsSync(path.join(nodedir, 'include/node/node_api.h')) && `Node headers (${nodedir}/include/node)`,
  !['/usr/include/cblas.h', '/usr/include/x86_64-linux-gnu/cblas.h', '/usr/include/aarch64-linux-gnu/cblas.h', '/usr/include/openblas/cblas.h'].some(existsSync) && 'cblas.h (libopenblas-dev)',
  !gyp && 'node-gyp (comes with npm)',
  !existsSync(path.join(root, 'node_modules/node-addon-api')) && 'node-addon-api (npm ci)',
].filter(Boolean);

if (process.env.GANFORGE_SKIP_NATIVE === '1' || missing.length > 0) {
  const why = missing.length ? `missing ${missing.join(', ')}` : 'GANFORGE_SKIP_NATIVE=1';
  console.log(`native kernels skipped (${why}); training uses plain WebAssembly. For the fast path: ${APT}, then npm run build`);
  process.exit(0);
}
// oneDNN (libdnnl-dev), when there, does the products: its sgemm has AVX-512 kernels where Debian's OpenBLAS runs AVX2.
const onednn = ['/usr/include/oneapi/dnnl/dnnl.h', '/usr/include/dnnl.h'].some(existsSync);
const args = [gyp, 'rebuild', `--nodedir=${nodedir}`, '--loglevel=warn', `--onednn=${onednn ? 1 : 0}`];
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (run.status !== 0) {
  console.log(`native kernels failed to build (node-gyp exit ${run.status}); training uses plain WebAssembly`);
  process.exit(0);
}
console.log(`native kernels built: build/Release/ganforge_kernels.node (${onednn ? 'wasm+onednn: products on oneDNN' : 'wasm+openblas: products on OpenBLAS'})`);
