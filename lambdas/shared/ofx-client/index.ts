export { fetchStatements, honouringRetryAfter, DEFAULT_RATE_LIMIT, type RateLimitPolicy, type FetchStatementsInput, type DownloadedAccount, type DownloadedStatement } from './client';
export { postOfx, retryAfterSeconds, type Timeouts, type FetchLike } from './http';
