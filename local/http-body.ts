/** Request bodies for the local servers (HTTP API, Step Functions service, sandbox bank). */
import type http from 'node:http';

/**
 * The whole body, or null when it is longer than maxBytes: the rest is then read and dropped, so
 * the connection can still carry the 413 the caller answers.
 */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) chunks.push(c);
    });
    req.on('end', () => resolve(size > maxBytes ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
