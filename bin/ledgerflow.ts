#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { LedgerFlowStack } from '../lib/ledgerflow-stack';

const app = new App();
new LedgerFlowStack(app, 'LedgerFlow', {
  // Daily refresh schedule; override with `cdk deploy -c dailySchedule="cron(0 4 * * ? *)"`.
  dailySchedule: app.node.tryGetContext('dailySchedule') ?? 'cron(0 6 * * ? *)',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
