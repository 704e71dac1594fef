// `npm run openapi`: regenerates the committed openapi.yaml from the route schemas.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateOpenApi } from './openapi.js';
import { OPENAPI_FILE } from './plugins/swagger.js';

await writeFile(OPENAPI_FILE, await generateOpenApi());
console.log(`wrote ${fileURLToPath(OPENAPI_FILE)}`);
