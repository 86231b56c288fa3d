// The few parts of autocannon's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface Histogram { average: number; p50: number; p99: number; total: number; mean: number; [k: string]: number }
  interface Result { requests: Histogram; latency: Histogram; throughput: Histogram; non2xx: number; errors: number; timeouts: number }
  interface RequestSpec { method?: string; path?: string; body?: string; headers?: Record<string, string>; setupRequest?: (req: Record<string, unknown>, context: Record<string, unknown>) => Record<string, unknown> }
  interface Options { url: string; connections?: number; duration?: number; amount?: number; pipelining?: number; requests?: RequestSpec[]; method?: string; headers?: Record<string, string>; body?: string }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
