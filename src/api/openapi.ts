// The OpenAPI document as the code describes it: what `npm run openapi` writes to openapi.yaml and tests compare.
import YAML from 'yaml';
import { loadEnv } from '../config/env.js';
import { buildApp } from './app.js';

export async function generateOpenApi(): Promise<string> {
  // The document does not depend on the environment; defaults keep a stray variable out of it.
  const app = buildApp({ env: loadEnv({}), logger: false });
  try {
    await app.ready();
    // A JSON round trip unshares repeated objects, so the YAML has no anchors; unwrapped lines diff better.
    const doc: unknown = JSON.parse(JSON.stringify(app.swagger()));
    return YAML.stringify(doc, { lineWidth: 0 });
  } finally {
    await app.close();
  }
}
