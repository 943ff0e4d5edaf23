export { fetchStatements, type FetchStatementsInput, type DownloadedAccount, type DownloadedStatement } from './client';
export { postOfx, retryAfterSeconds, type Timeouts, type FetchLike } from './http';
