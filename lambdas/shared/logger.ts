import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs. Never pass credentials or statement bodies to it. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ledgerflow' });
