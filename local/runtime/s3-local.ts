/**
 * S3 on s3rver (files under <dataDir>/s3, so objects survive restarts). Clients use
 * path-style addressing. s3rver only accepts access keys it knows, so the local
 * credentials ("local"/"local") are registered with its account registry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

// s3rver ships no types; the surface used here is small.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  store: { getBucket(name: string): Promise<unknown>; putBucket(name: string): Promise<unknown> };
};
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };

export interface S3Local {
  endpoint: string;
  ensureBucket(name: string): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startS3Local(opts: { directory: string; port: number }): Promise<S3Local> {
  fs.mkdirSync(opts.directory, { recursive: true });
  DUMMY_ACCOUNT.createKeyPair('local', 'local');
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port,
    directory: path.resolve(opts.directory),
    silent: true,
    vhostBuckets: false,
    allowMismatchedSignatures: true,
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** Creates the bucket if missing; returns true if it was created. */
    async ensureBucket(name: string) {
      if (await server.store.getBucket(name)) return false;
      await server.store.putBucket(name);
      return true;
    },
    stop: () => server.close(),
  };
}
