// Checks HTTP responses against openapi.yaml as a validating proxy would: operation, status, media type, headers, body.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown>;
interface HeaderObject {
  required?: boolean;
  schema?: Schema;
}
interface ResponseObject {
  headers?: Record<string, HeaderObject>;
  content?: Record<string, { schema?: Schema }>;
}
interface OperationObject {
  operationId?: string;
  responses?: Record<string, ResponseObject>;
}

export interface Operation {
  method: string;
  path: string;
  operationId: string;
}

export interface ValidationResult {
  /** The operation the request matched, when one did. */
  operation?: Operation;
  /** One line per way the response breaks the document; empty when it conforms. */
  errors: string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOC_ID = 'openapi.yaml';

/** application/json, application/problem+json and any other +json type carry JSON. */
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

/** `type/subtype` without parameters, lower-cased. */
const mediaTypeOf = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `/jobs/{id}/cancel` as a regular expression; a parameter is one non-empty path segment. */
function templateRegExp(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : escapeRegExp(part)))
    .join('');
  return new RegExp(`^${source}$`);
}

/** The response object for a status: the exact code, else its range (4XX), else default (OpenAPI 3.1, 4.8.16). */
function responseKeyFor(responses: Record<string, ResponseObject>, status: number): string | undefined {
  const exact = String(status);
  if (exact in responses) return exact;
  const range = Object.keys(responses).find((k) => k.toUpperCase() === `${exact[0]}XX`);
  if (range) return range;
  return 'default' in responses ? 'default' : undefined;
}

/** A listed media type matches the response's, wildcards (`image/*`, `*\/*`) included. */
function mediaTypeMatches(listed: string, actual: string): boolean {
  const [lt, ls] = mediaTypeOf(listed).split('/');
  const [at, as] = actual.split('/');
  return (lt === '*' || lt === at) && (ls === '*' || ls === as);
}

/** A header's string value as its schema's type (OpenAPI's `simple` style, scalars only). */
function headerValue(value: string, schema: Schema | undefined): unknown {
  const type = schema?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** fetch's Headers, or a plain object such as app.inject's or node:http's. */
export type HeadersLike = Headers | Record<string, string | string[] | number | undefined>;

function toHeaders(headers: HeadersLike): Headers {
  if (headers instanceof Headers) return headers;
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(', ') : String(value));
  }
  return out;
}

/** JSON pointer escaping of one reference token. */
const token = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export class OpenApiValidator {
  readonly operations: Operation[];
  private readonly doc: { paths?: Record<string, Record<string, OperationObject>> };
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly routes: { regex: RegExp; path: string; literal: boolean }[];

  constructor(text: string) {
    this.doc = YAML.parse(text) as typeof this.doc;
    // Schemas are compiled from JSON pointers into the whole document, so `#/components/...` resolves as written.
    this.ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats.default(this.ajv);
    // OpenAPI 3.1's format for bytes, and the keywords of its schema dialect and of the document around the schemas.
    this.ajv.addFormat('binary', true);
    this.ajv.addVocabulary(['discriminator', 'xml', 'externalDocs', 'example']);
    this.ajv.addVocabulary(['openapi', 'info', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'jsonSchemaDialect']);
    this.ajv.addSchema(this.doc as Schema, DOC_ID);

    this.operations = [];
    for (const [path, item] of Object.entries(this.doc.paths ?? {})) {
      for (const method of METHODS) {
        const op = item[method];
        if (op) this.operations.push({ method: method.toUpperCase(), path, operationId: op.operationId ?? `${method} ${path}` });
      }
    }
    // Concrete paths match before templated ones (OpenAPI 3.1, 4.8.8).
    this.routes = Object.keys(this.doc.paths ?? {})
      .map((path) => ({ regex: templateRegExp(path), path, literal: !path.includes('{') }))
      .sort((a, b) => Number(b.literal) - Number(a.literal));
  }

  static fromFile(file: string | URL): OpenApiValidator {
    return new OpenApiValidator(readFileSync(file, 'utf8'));
  }

  /** The operation serving `method` at a request path (query string ignored), if the document has one. */
  findOperation(method: string, requestPath: string): Operation | undefined {
    const pathname = requestPath.split('?')[0]!;
    const m = method.toUpperCase();
    for (const route of this.routes) {
      if (!route.regex.test(pathname)) continue;
      const op = this.operations.find((o) => o.path === route.path && o.method === m);
      if (op) return op;
    }
    return undefined;
  }

  /** The validator of a schema found at a JSON pointer into the document (cached; refs resolve in the document). */
  private schemaAt(pointer: string[]): ValidateFunction {
    const ref = `${DOC_ID}#/${pointer.map(token).join('/')}`;
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    return validate;
  }

  private schemaErrors(validate: ValidateFunction, value: unknown, where: string): string[] {
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${where}${e.instancePath || ''}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
  }

  /**
   * Checks one response: the path and method name an operation; the status is documented (exact, range or default);
   * the Content-Type is one listed for it (and a response without content has no body); documented headers marked
   * required are present and every documented header present matches its schema; a JSON body matches its schema.
   * `body` is the decoded JSON for JSON types, otherwise the text or bytes (or undefined for a stream not read).
   */
  validateResponse(method: string, requestPath: string, status: number, headers: HeadersLike, body: unknown): ValidationResult {
    const sent = toHeaders(headers);
    const where = `${method.toUpperCase()} ${requestPath} -> ${status}`;
    const operation = this.findOperation(method, requestPath);
    if (!operation) return { errors: [`${where}: no operation in the document matches`] };
    const responses = this.doc.paths![operation.path]![operation.method.toLowerCase()]!.responses ?? {};
    const key = responseKeyFor(responses, status);
    if (!key) return { operation, errors: [`${where}: status ${status} is not documented for ${operation.operationId}`] };
    const response = responses[key]!;
    const pointer = ['paths', operation.path, operation.method.toLowerCase(), 'responses', key];
    const errors: string[] = [];

    for (const [name, spec] of Object.entries(response.headers ?? {})) {
      const value = sent.get(name);
      if (value === null) {
        if (spec.required) errors.push(`${where}: required header ${name} is missing`);
        continue;
      }
      if (spec.schema) {
        const validate = this.schemaAt([...pointer, 'headers', name, 'schema']);
        errors.push(...this.schemaErrors(validate, headerValue(value, spec.schema), `${where}: header ${name}`));
      }
    }

    const content = response.content;
    const contentType = sent.get('content-type');
    const empty = body === undefined || body === '' || (body instanceof Uint8Array && body.length === 0);
    if (!content || Object.keys(content).length === 0) {
      if (!empty) errors.push(`${where}: the document describes no body, but one was sent (${contentType ?? 'no Content-Type'})`);
      return { operation, errors };
    }
    if (!contentType) {
      errors.push(`${where}: no Content-Type; the document lists ${Object.keys(content).join(', ')}`);
      return { operation, errors };
    }
    const actual = mediaTypeOf(contentType);
    // The most specific listed type wins: application/json over application/*, over */*.
    const listed = Object.keys(content)
      .filter((t) => mediaTypeMatches(t, actual))
      .sort((a, b) => (b.match(/\*/g)?.length ?? 0) - (a.match(/\*/g)?.length ?? 0))
      .pop();
    if (!listed) {
      errors.push(`${where}: Content-Type ${actual} is not among ${Object.keys(content).join(', ')}`);
      return { operation, errors };
    }
    if (isJson(actual) && content[listed]!.schema) {
      const validate = this.schemaAt([...pointer, 'content', listed, 'schema']);
      errors.push(...this.schemaErrors(validate, body, `${where}: body`));
    }
    return { operation, errors };
  }

  /** The named component schema's validator, e.g. for a response no operation describes. */
  componentSchema(name: string): ValidateFunction {
    return this.schemaAt(['components', 'schemas', name]);
  }
}
