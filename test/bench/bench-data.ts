/** Deterministic benchmark data shared by the load generator and the server it loads. */
export const BENCH_PUBLIC_URL = 'https://relay.bench.example';
export const BENCH_AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';
export const BENCH_ACCOUNT_SID = 'AC' + 'b'.repeat(32);

export function benchSid(i: number): string {
  return 'SM' + i.toString(16).padStart(32, '0');
}
