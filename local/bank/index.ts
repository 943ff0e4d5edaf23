export { startSandboxBank, computeTruth, DEFAULT_SEED, type SandboxBank, type SandboxBankOptions, type SandboxStats, type Truth, type TruthAccount, type TruthTransaction, type InstitutionInfo } from './server';
export type { ChaosConfig, ChaosRates } from './chaos';
export { SCENARIOS, GOOD_PASSWORD, MFA_ANSWER, MFA_PHRASE_ID, parseLogin, type ScenarioInfo, type ScenarioName } from './scenarios';
export { INSTITUTIONS, type Institution } from './institutions';
