// The web dashboard: the page at `/` and its static files under `/ui/<version>/`, all addressed by relative URLs.
import { MODELS } from '../gan/models/registry.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { createJobBodySchema } from '../api/schemas/job-schemas.js';
import { locateAssets } from './dashboard-assets.js';

/** Fingerprinted URLs never change content, so browsers may keep them as long as they like. */
const ASSET_MAX_AGE = '365d';

const dashboardPlugin: FastifyPluginAsync = async (app) => {
  const assets = locateAssets();
  const base = `ui/${assets.version}`;
  const html = renderIndex(readFileSync(path.join(assets.publicDir, 'index.html'), 'utf8'), base);

  const cached = { cacheControl: true, maxAge: ASSET_MAX_AGE, immutable: true, index: false, decorateReply: false } as const;
  await app.register(fastifyStatic, { ...cached, root: assets.publicDir, prefix: `/${base}/`, allowedPath: (p) => p !== '/index.html' });
  await app.register(fastifyStatic, { ...cached, root: assets.uplotDir, prefix: `/${base}/vendor/uplot/` });

  // The page itself is revalidated every time, so a new version of the assets is picked up at once.
  // (Its Content-Security-Policy comes from the API's security headers, written with this page in mind.)
  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(html),
  );
};

export default dashboardPlugin;

/**
 * Fills in the asset base and, per model, the fields of the JSON Schema that POST /jobs validates against, so the form shows the
 * API's own defaults and limits. `<` is escaped so no value can close the script element.
 */
function renderIndex(template: string, base: string): string {
  // An empty registry inlines the schema instead of referring to it by its OpenAPI id.
  // One entry per model (the members of the body's union): its fields with their defaults and limits, its metrics.
  const models = MODELS.map((model, i) => {
    const { properties } = z.toJSONSchema(createJobBodySchema.options[i]!, { io: 'input', metadata: z.registry() });
    return { name: model.name, description: model.description, conditional: model.conditional, metrics: model.metrics, properties };
  });
  const json = JSON.stringify({ models }).replace(/</g, '\\u003c');
  return template.replaceAll('{{base}}', base).replace('{{jobSpecSchema}}', () => json);
}
