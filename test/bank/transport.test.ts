/** The OFX client's transport against real sockets: refusals, silence, cut bodies, fetchImpl, and an OFX 1.02 request. */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startSandboxBank, type SandboxBank } from '../../local/bank';
import { TransientError } from '../../lambdas/shared/errors';
import { postOfx, retryAfterSeconds, type FetchLike } from '../../lambdas/shared/ofx-client';
import { agg, leaf, writeDocument } from '../../lambdas/shared/ofx-client/tree';
import { parseOfx } from '../../lambdas/shared/statements/ofx/parse';
import { expectRejects, fetchAs } from './helpers';

const T = { connectMs: 1_000, responseMs: 300 };

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ofx`;
}

test('a closed port -> NETWORK', async () => {
  const server = net.createServer();
  const url = await listen(server);
  await new Promise((r) => server.close(r));
  const e = await expectRejects<TransientError>(postOfx(url, '<OFX></OFX>', { timeouts: T }));
  expect([e.name, e.code]).toEqual(['TransientError', 'NETWORK']);
});

test('a server that accepts and never answers -> TIMEOUT after responseMs', async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  const url = await listen(server);
  try {
    const started = Date.now();
    const e = await expectRejects<TransientError>(postOfx(url, '<OFX></OFX>', { timeouts: T }));
    expect(e.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(T.responseMs - 20);
    expect(Date.now() - started).toBeLessThan(T.responseMs + 700);
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => server.close(r));
  }
});

test('an abort signal ends the exchange in flight with its reason and closes the socket; an aborted signal sends nothing', async () => {
  const sockets: net.Socket[] = [];
  const closed: boolean[] = [];
  const server = net.createServer((s) => {
    const i = sockets.push(s) - 1;
    closed[i] = false;
    s.on('close', () => (closed[i] = true));
    s.resume();
  });
  const url = await listen(server);
  const slow = { connectMs: 1_000, responseMs: 5_000 };
  try {
    const abort = new AbortController();
    const reason = new Error('nobody waits for this answer');
    const started = Date.now();
    setTimeout(() => abort.abort(reason), 100);
    await expect(postOfx(url, '<OFX></OFX>', { timeouts: slow, signal: abort.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toEqual([true]);

    await expect(postOfx(url, '<OFX></OFX>', { timeouts: slow, signal: abort.signal })).rejects.toBe(reason);
    expect(sockets).toHaveLength(1); // no second connection
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => server.close(r));
  }
});

test('a body cut short of its Content-Length -> NETWORK; HTTP 429 with an HTTP-date Retry-After', async () => {
  const server = http.createServer((req, res) => {
    if (req.url === '/cut') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('<OFX>', () => res.socket?.destroy());
      return;
    }
    res.writeHead(429, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() });
    res.end();
  });
  const base = (await listen(server)).replace(/\/ofx$/, '');
  try {
    const cut = await expectRejects<TransientError>(postOfx(`${base}/cut`, 'x', { timeouts: T }));
    expect(cut.code).toBe('NETWORK');
    const limited = await expectRejects<TransientError>(postOfx(`${base}/limited`, 'x', { timeouts: T }));
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.retryAfterSeconds).toBeGreaterThanOrEqual(28);
    expect(limited.retryAfterSeconds).toBeLessThanOrEqual(31);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  expect(retryAfterSeconds('120')).toBe(120);
  expect(retryAfterSeconds('soon')).toBeUndefined();
});

describe('against the sandbox bank', () => {
  let bank: SandboxBank;
  beforeAll(async () => {
    bank = await startSandboxBank({ port: 0, seed: 'ledgerflow', date: '2026-12-01' });
  });
  afterAll(() => bank.close());

  test('fetchImpl (global fetch) yields the same statements as node:http', async () => {
    const viaNode = await fetchAs(bank, 'sandbox-bank', 'user_good+demo-0001');
    const viaFetch = await fetchAs(bank, 'sandbox-bank', 'user_good+demo-0001', { fetchImpl: fetch as unknown as FetchLike });
    const strip = (s: string) => s.replace(/<TRNUID>[^<]*<\/TRNUID>/g, '');
    expect(viaFetch.map((s) => strip(s.body))).toEqual(viaNode.map((s) => strip(s.body)));
    const down = await expectRejects<TransientError>(fetchAs(bank, 'sandbox-bank', 'user_down+demo-0001', { fetchImpl: fetch as unknown as FetchLike }));
    expect(down.code).toBe('INSTITUTION_DOWN');
  });

  test('accountFilter and concurrency', async () => {
    const all = await fetchAs(bank, 'sandbox-bank', 'user_good+demo-0001');
    const savingsOnly = await fetchAs(bank, 'sandbox-bank', 'user_good+demo-0001', { accountFilter: (a) => a.type === 'savings' });
    expect(savingsOnly.map((s) => s.account)).toEqual([all[1].account]);
    const byId = await fetchAs(bank, 'sandbox-bank', 'user_good+demo-0001', { accountFilter: [all[0].account.id], concurrency: 4 });
    expect(byId.map((s) => s.account.id)).toEqual([all[0].account.id]);
    const parallel = await fetchAs(bank, 'sandbox-bank', 'user_good+demo-0001', { concurrency: 2 });
    expect(parallel.map((s) => s.account)).toEqual(all.map((s) => s.account));
  });

  test('an OFX 1.02 SGML request gets an SGML answer with the posted transactions (no pending list in 1.x)', async () => {
    const inst = bank.institutions()[1];
    const [card] = await fetchAs(bank, 'sandbox-card', 'user_good+demo-0001');
    const rq = writeDocument(
      agg(
        'OFX',
        agg('SIGNONMSGSRQV1', agg('SONRQ', leaf('DTCLIENT', '20261201120000'), leaf('USERID', 'user_good+demo-0001'), leaf('USERPASS', 'pass_good'), leaf('LANGUAGE', 'ENG'), agg('FI', leaf('ORG', inst.org), leaf('FID', inst.fid)), leaf('APPID', 'QWIN'), leaf('APPVER', '2700'))),
        agg('CREDITCARDMSGSRQV1', agg('CCSTMTTRNRQ', leaf('TRNUID', '1001'), agg('CCSTMTRQ', agg('CCACCTFROM', leaf('ACCTID', card.account.id)), agg('INCTRAN', leaf('INCLUDE', 'Y'))))),
      ),
      'sgml',
    );
    const body = await postOfx(inst.url, rq, { timeouts: T });
    expect(body.startsWith('OFXHEADER:100')).toBe(true);
    expect(body).not.toContain('</TRNAMT>'); // SGML leaves stay unclosed
    const s = parseOfx(body).statements[0];
    const truth = bank.truth('demo-0001').accounts[2];
    expect(s.transactions.map((t) => t.id)).toEqual(truth.transactions.filter((t) => t.status === 'posted').map((t) => t.id));
  });
});
