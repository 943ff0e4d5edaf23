/** The sandbox institutions. Each one is an OFX Direct Connect endpoint at POST /ofx/{id}. */
import type { Zone } from './dates';

export type InstitutionKind = 'bank' | 'card';

export interface Institution {
  id: string;
  name: string;
  /** OFX FI/ORG and FI/FID a client must send (when it sends FI). */
  org: string;
  fid: string;
  kind: InstitutionKind;
  /** Routing number written in BANKACCTFROM/BANKID (banks only). */
  bankId?: string;
  /** The zone the institution writes its date-times in. */
  zone: Zone;
}

export const INSTITUTIONS: readonly Institution[] = [
  {
    id: 'sandbox-bank',
    name: 'Sandbox Bank',
    org: 'SANDBOXBANK',
    fid: '10001',
    kind: 'bank',
    bankId: '011000390',
    zone: { offsetHours: -5, name: 'EST' },
  },
  {
    id: 'sandbox-card',
    name: 'Sandbox Card Services',
    org: 'SANDBOXCARD',
    fid: '20002',
    kind: 'card',
    zone: { offsetHours: -8, name: 'PST' },
  },
];

export function findInstitution(id: string): Institution | undefined {
  return INSTITUTIONS.find((i) => i.id === id);
}
