/** Environment a function was deployed with (lib/ sets these; a missing one is a deploy bug). */
export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export const tableName = () => env('TABLE_NAME');
export const bucketName = () => env('BUCKET_NAME');

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`environment variable ${name} must be a positive number`);
  return n;
}
