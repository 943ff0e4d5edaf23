import { compileRoute, findRoute, mapResult } from '../../local/runtime/http-api';
import { functionNameOf } from '../../local/runtime/lambda';

const routes = [
  '$default',
  'ANY /users/{proxy+}',
  'GET /users/{userId}',
  'GET /users/me',
  'ANY /users/{userId}/refresh',
  'POST /users/{userId}/refresh',
].map((routeKey) => compileRoute({ routeKey, functionName: routeKey }));

describe('HTTP API route selection (most specific wins, like API Gateway)', () => {
  it.each([
    ['GET', '/users/me', 'GET /users/me', {}],
    ['GET', '/users/u1', 'GET /users/{userId}', { userId: 'u1' }],
    ['POST', '/users/u1/refresh', 'POST /users/{userId}/refresh', { userId: 'u1' }],
    ['PUT', '/users/u1/refresh', 'ANY /users/{userId}/refresh', { userId: 'u1' }],
    ['GET', '/users/u1/a/b', 'ANY /users/{proxy+}', { proxy: 'u1/a/b' }],
    ['GET', '/users/caf%C3%A9', 'GET /users/{userId}', { userId: 'café' }],
    ['DELETE', '/elsewhere', '$default', {}],
  ])('%s %s -> %s', (method, path, routeKey, params) => {
    const m = findRoute(routes, method, path)!;
    expect(m.route.routeKey).toBe(routeKey);
    expect(m.pathParameters).toEqual(params);
  });

  it('finds nothing without a matching route or $default', () => {
    const noDefault = routes.filter((r) => r.routeKey !== '$default');
    expect(findRoute(noDefault, 'GET', '/other')).toBeUndefined();
    expect(findRoute(noDefault, 'GET', '/users')).toBeUndefined();
  });

  it('rejects a greedy variable that is not last', () => {
    expect(() => compileRoute({ routeKey: 'GET /a/{p+}/b', functionName: 'f' })).toThrow(/Greedy/);
  });
});

describe('Lambda result -> HTTP response (payload format 2.0)', () => {
  it('uses statusCode, headers, cookies and body as given', () => {
    const r = mapResult({ statusCode: 201, headers: { 'X-A': 'b' }, cookies: ['c=1'], body: 'created' });
    expect([r.statusCode, r.headers, r.cookies, r.body.toString()]).toEqual([201, { 'x-a': 'b' }, ['c=1'], 'created']);
  });

  it('decodes base64 bodies', () => {
    expect(mapResult({ statusCode: 200, body: Buffer.from('bin').toString('base64'), isBase64Encoded: true }).body.toString()).toBe('bin');
  });

  it('treats a value without statusCode as a 200 JSON body', () => {
    const r = mapResult({ ok: true, items: [1, 2] });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body.toString())).toEqual({ ok: true, items: [1, 2] });
  });
});

describe('function names from ARNs', () => {
  it.each([
    ['fn', 'fn'],
    ['arn:aws:lambda:us-east-1:000000000000:function:fn', 'fn'],
    ['arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST', 'fn'],
    ['000000000000:function:fn', 'fn'],
    ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:fn/invocations', 'fn'],
  ])('%s -> %s', (input, name) => expect(functionNameOf(input)).toBe(name));
});
