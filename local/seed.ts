/**
 * Seeds the local stack: the sandbox institutions (pointing at the running sandbox bank) and the
 * demo users, each connected to every sandbox institution with good credentials. Uses the same
 * store code the Lambdas use, so seeded items are exactly what production code reads.
 */
import * as store from '../lambdas/shared/store';

export interface SandboxInstitution {
  institutionId: string;
  name: string;
  org: string;
  fid: string;
}

export const demoUserId = (n: number) => `demo-${String(n).padStart(4, '0')}`;
export const connectionIdFor = (institutionId: string) => `conn-${institutionId}`;

export async function seedInstitutions(bankUrl: string, institutions: SandboxInstitution[]): Promise<void> {
  for (const i of institutions) {
    await store.putInstitution({ institutionId: i.institutionId, name: i.name, org: i.org, fid: i.fid, url: `${bankUrl}/ofx/${i.institutionId}` });
  }
}

/**
 * A user connected to each institution with the sandbox credentials of a scenario
 * (`user_<scenario>+<userId>` / `pass_good`; see README "Sandbox bank scenarios").
 * Re-seeding keeps what refreshes wrote (sync point, status) unless `reset` is set.
 */
export async function seedUser(
  userId: string,
  institutionIds: string[],
  opts: { scenario?: string | Record<string, string>; password?: string; reset?: boolean } = {},
): Promise<void> {
  if (!opts.reset && (await store.userExists(userId))) return;
  await store.putUser(userId, new Date().toISOString());
  for (const institutionId of institutionIds) {
    const scenario = typeof opts.scenario === 'object' ? (opts.scenario[institutionId] ?? 'good') : (opts.scenario ?? 'good');
    await store.putConnection({
      userId,
      connectionId: connectionIdFor(institutionId),
      institutionId,
      status: 'PENDING',
      credentials: { username: `user_${scenario}+${userId}`, password: opts.password ?? 'pass_good' },
    });
  }
}

export async function seedDemoUsers(count: number, institutionIds: string[]): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => demoUserId(i + 1));
  for (const id of ids) await seedUser(id, institutionIds);
  return ids;
}
