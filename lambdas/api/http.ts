/** HTTP API (payload v2) helpers: JSON responses and typed 4xx errors that name the field. */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const badRequest = (field: string, message: string) => new HttpError(400, 'INVALID_REQUEST', message, field);
export const notFound = (what: string) => new HttpError(404, 'NOT_FOUND', `${what} not found`);

export function json(statusCode: number, body: unknown): APIGatewayProxyResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function errorResponse(e: HttpError): APIGatewayProxyResultV2 {
  return json(e.statusCode, { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } });
}

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Path ids are opaque but bounded: anything else is a 400 naming the parameter. */
export function pathId(params: Record<string, string | undefined> | undefined, name: string): string {
  const value = params?.[name];
  if (!value || !ID.test(value)) throw badRequest(name, `path parameter ${name} must be 1-128 characters of A-Z a-z 0-9 _ . : -`);
  return value;
}

export function parseJsonBody(body: string | undefined, isBase64: boolean | undefined): Record<string, unknown> {
  if (!body) return {};
  const text = isBase64 ? Buffer.from(body, 'base64').toString('utf8') : body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('body', 'request body must be JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('body', 'request body must be a JSON object');
  return parsed as Record<string, unknown>;
}
