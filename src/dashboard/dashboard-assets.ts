// Finds the dashboard's static files (from src/ under tsx and from dist/ alike) and fingerprints them for caching.
import crypto from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The package root: two levels up from both src/dashboard/ and dist/dashboard/. */
const PACKAGE_ROOT = path.resolve(import.meta.dirname, '../..');

export interface DashboardAssets {
  /** The browser code, HTML and CSS: plain files, served as they are (tsc does not copy them to dist/). */
  publicDir: string;
  /** uPlot's dist/ folder in node_modules. */
  uplotDir: string;
  /** A hash of every file served: part of the asset URLs, so they can be cached for good. */
  version: string;
}

/**
 * public/ beside this module (under tsx, or in dist/ when a build copied it there), else the one in the package's src/
 * (tsc compiles only .ts, so a plain build leaves it there).
 */
export function locateAssets(): DashboardAssets {
  const candidates = [path.join(import.meta.dirname, 'public'), path.join(PACKAGE_ROOT, 'src', 'dashboard', 'public')];
  const publicDir = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  if (!publicDir) throw new Error(`dashboard files not found: looked for index.html in ${candidates.join(' and ')}`);
  const require = createRequire(import.meta.url);
  const uplotDir = path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');
  const hash = crypto.createHash('sha256');
  for (const file of [...listFiles(publicDir), path.join(uplotDir, 'uPlot.esm.js'), path.join(uplotDir, 'uPlot.min.css')]) {
    hash.update(path.relative(PACKAGE_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return { publicDir, uplotDir, version: hash.digest('hex').slice(0, 12) };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
