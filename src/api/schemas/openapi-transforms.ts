// Bridges what fastify-type-provider-zod cannot say in OpenAPI: response headers, optional bodies, only the components in use.
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';

export interface HeaderSpec {
  description: string;
  schema: Record<string, unknown>;
  /** Sent on every response with this status: clients (and validating proxies) may rely on it. */
  required?: boolean;
}

/** Carries `required` through @fastify/swagger, which copies a response header whole into its schema; transformObject
 * lifts it out to the header object, where OpenAPI puts it. */
const REQUIRED_MARK = 'x-ganforge-required';

const responseHeaders = new WeakMap<object, Record<string, HeaderSpec>>();

/** Marks a response entry (a zod schema or a `{description, content}` object) as sending these headers. */
export function withHeaders<T extends object>(response: T, headers: Record<string, HeaderSpec>): T {
  responseHeaders.set(response, headers);
  return response;
}

type Transform = ReturnType<typeof createJsonSchemaTransform>;
type TransformObject = ReturnType<typeof createJsonSchemaTransformObject>;

const baseTransform = createJsonSchemaTransform({ skipList: [] });
const baseTransformObject = createJsonSchemaTransformObject({});

/** The type provider's route transform, then the headers recorded with withHeaders put where @fastify/swagger reads them. */
export const transform: Transform = (input) => {
  const out = baseTransform(input);
  const raw = (input.schema as { response?: Record<string, object> } | undefined)?.response;
  const transformed = (out.schema as { response?: Record<string, Record<string, unknown>> }).response;
  if (raw && transformed) {
    for (const [code, entry] of Object.entries(raw)) {
      const headers = responseHeaders.get(entry);
      const target = transformed[code];
      if (!headers || !target) continue;
      target.headers = Object.fromEntries(
        Object.entries(headers).map(([name, h]) => [
          name,
          { ...h.schema, description: h.description, ...(h.required ? { [REQUIRED_MARK]: true } : {}) },
        ]),
      );
    }
  }
  return out;
};

/** Set to true in a route's schema whose body may be left out: @fastify/swagger marks every request body required. */
export const OPTIONAL_BODY = 'x-ganforge-optional-body';

/** Set in a route's schema whose body is a raw stream (no JSON schema): `{ description, types }` becomes its requestBody. */
export const RAW_BODY = 'x-ganforge-raw-body';

type HeaderObject = { schema?: Record<string, unknown>; required?: boolean };
type Operation = {
  responses?: Record<string, { headers?: Record<string, HeaderObject> }>;
  requestBody?: { required?: boolean; description?: string; content?: Record<string, unknown> };
  [OPTIONAL_BODY]?: boolean;
  [RAW_BODY]?: { description: string; types: string[] };
};
type Paths = Record<string, Record<string, Operation>>;

/** Turns the OPTIONAL_BODY marks into `requestBody.required: false`. */
function markOptionalBodies(paths: Paths | undefined): void {
  for (const item of Object.values(paths ?? {})) {
    for (const operation of Object.values(item)) {
      if (!(OPTIONAL_BODY in operation)) continue;
      delete operation[OPTIONAL_BODY];
      if (operation.requestBody) operation.requestBody.required = false;
    }
  }
}

/** Turns the RAW_BODY marks into a required binary requestBody in each of the media types. */
function addRawBodies(paths: Paths | undefined): void {
  for (const item of Object.values(paths ?? {})) {
    for (const operation of Object.values(item)) {
      const raw = operation[RAW_BODY];
      if (!raw) continue;
      delete operation[RAW_BODY];
      const content = Object.fromEntries(raw.types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]));
      operation.requestBody = { required: true, description: raw.description, content };
    }
  }
}

/** Moves the required marks left by `transform` from header schemas to the header objects. */
function liftRequiredHeaders(paths: Paths | undefined): void {
  for (const item of Object.values(paths ?? {})) {
    for (const operation of Object.values(item)) {
      for (const response of Object.values(operation.responses ?? {})) {
        for (const header of Object.values(response.headers ?? {})) {
          if (!header.schema || !(REQUIRED_MARK in header.schema)) continue;
          delete header.schema[REQUIRED_MARK];
          header.required = true;
        }
      }
    }
  }
}

/** The type provider's document transform with required response headers, minus the components no operation refers
 * to (each zod schema with an id is emitted twice, as input and as output). */
export const transformObject: TransformObject = (input) => {
  const doc = baseTransformObject(input) as { paths?: Paths; components?: { schemas?: Record<string, unknown> } };
  liftRequiredHeaders(doc.paths);
  markOptionalBodies(doc.paths);
  addRawBodies(doc.paths);
  const schemas = doc.components?.schemas;
  if (!schemas) return doc as ReturnType<TransformObject>;
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
          const name = v.slice('#/components/schemas/'.length);
          if (!used.has(name)) {
            used.add(name);
            visit(schemas[name]);
          }
        } else visit(v);
      }
    }
  };
  visit({ ...doc, components: { ...doc.components, schemas: {} } });
  doc.components!.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return doc as ReturnType<TransformObject>;
};
