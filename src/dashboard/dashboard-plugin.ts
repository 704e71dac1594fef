// The web dashboard: the page at `/` and its static files under `/ui/<version>/`, all addressed by relative URLs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { createJobBodySchema } from '../api/schemas/job-schemas.js';
import { locateAssets } from './dashboard-assets.js';

/** Fingerprinted URLs never change content, so browsers may keep them as long as they like. */
const ASSET_MAX_AGE = '365d';

// Styles are allowed inline because uPlot positions its legend and cursor with style attributes.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const dashboardPlugin: FastifyPluginAsync = async (app) => {
  const assets = locateAssets();
  const base = `ui/${assets.version}`;
  const html = renderIndex(readFileSync(path.join(assets.publicDir, 'index.html'), 'utf8'), base);

  const cached = { cacheControl: true, maxAge: ASSET_MAX_AGE, immutable: true, index: false, decorateReply: false } as const;
  await app.register(fastifyStatic, { ...cached, root: assets.publicDir, prefix: `/${base}/`, allowedPath: (p) => p !== '/index.html' });
  await app.register(fastifyStatic, { ...cached, root: assets.uplotDir, prefix: `/${base}/vendor/uplot/` });

  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .send(html),
  );
};

export default dashboardPlugin;

/**
 * Fills in the asset base and the fields of the JSON Schema that POST /jobs validates against, so the form shows the
 * API's own defaults and limits. `<` is escaped so no value can close the script element.
 */
function renderIndex(template: string, base: string): string {
  // An empty registry inlines the schema instead of referring to it by its OpenAPI id.
  const { properties } = z.toJSONSchema(createJobBodySchema, { io: 'input', metadata: z.registry() });
  const json = JSON.stringify({ properties }).replace(/</g, '\\u003c');
  return template.replaceAll('{{base}}', base).replace('{{jobSpecSchema}}', () => json);
}
