/** local/http-body.ts over a real socket: the body whole, or null past the limit with the 413 still delivered. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../local/http-body';

const LIMIT = 1_000;
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const body = await readBody(req, LIMIT);
    res.writeHead(body === null ? 413 : 200, { 'content-type': 'text/plain' });
    res.end(body === null ? 'too large' : `${body.length}:${body.toString('utf8').slice(0, 5)}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => new Promise((r) => server.close(r)));

test.each([
  ['empty', '', 200, '0:'],
  ['at the limit', 'é'.repeat(LIMIT / 2), 200, `${LIMIT}:ééééé`],
  ['one byte over', 'x'.repeat(LIMIT + 1), 413, 'too large'],
  ['far over, in many chunks', 'y'.repeat(LIMIT * 200), 413, 'too large'],
])('%s', async (_what, body, status, answer) => {
  const res = await fetch(url, { method: 'POST', body });
  expect([res.status, await res.text()]).toEqual([status, answer]);
});
