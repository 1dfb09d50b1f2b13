/**
 * A stand-in for the collector's JSON APIs with hand-written data in the shapes of
 * src/collector/model.ts: lets the page be checked against exact, known values (including hostile
 * strings) independently of the collector. The real-collector test covers the real thing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FailedSpan, FailuresApiResponse, KeysApiResponse, SloApiResponse, SloHistoryResponse, SloStatus } from '../../src/collector/model.js';
import { createUiHandler } from '../../src/ui/serve.js';
import { summarizeCauses } from '../../src/collector/failures/causes.js';

/** A job name that would run script if the page ever put API strings into innerHTML. */
export const HOSTILE_JOB = 'webhooks<img src=x onerror="window.__pwned=1">';
export const HOSTILE_KEY = '<b>k-bold</b>';
const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'];
export const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

/** `burns[window]` null: no events in that window (the API's "no data"); unlisted windows burn at 0.1. */
function slo(job: string, name: string, objective: number, sli: number | null, budget: number | null, burns: Record<string, number | null>, events: number): SloStatus {
  return {
    job,
    slo: name,
    description: `${name} fixture`,
    objective,
    period: '30d',
    sli,
    errorBudgetRemaining: budget,
    windows: WINDOWS.map((window) => {
      const burnRate = burns[window] === undefined ? 0.1 : burns[window];
      const errorRatio = burnRate === null ? null : burnRate * (1 - objective);
      return { window, errorRatio, burnRate, events, badEvents: Math.round((errorRatio ?? 0) * events) };
    }),
  };
}

/** A Grafana dashboard URL the page must not make a link (not http or https). */
export const HOSTILE_GRAFANA_URL = 'javascript:window.__pwned=3//';

export const SLO: SloApiResponse = {
  generatedAt: new Date(NOW).toISOString(),
  grafanaDashboardUrl: HOSTILE_GRAFANA_URL,
  burnAlerts: [
    { severity: 'critical', long: '1h', short: '5m', factor: 14.4 },
    { severity: 'critical', long: '6h', short: '30m', factor: 6 },
    { severity: 'warning', long: '1d', short: '2h', factor: 3 },
    { severity: 'warning', long: '3d', short: '6h', factor: 1 },
  ],
  slos: [
    // Paging: 1h and 5m both over 14.4.
    slo('payments-api', 'auth-success', 0.999, 0.99862, -0.38, { '5m': 20, '1h': 18.5, '6h': 4.2 }, 1234567),
    // Ticket: 1d and 2h both over 3, nothing critical.
    slo('payments-api', 'auth-availability', 0.9995, 0.99991, 0.82, { '1d': 4, '2h': 3.5 }, 1234567),
    // Quiet: its series exist but had no events over the period, so no SLI, budget or burn rates.
    slo(HOSTILE_JOB, 'kms-success', 0.9999, null, null, { '5m': null, '30m': null, '1h': null, '2h': null, '6h': null, '1d': null, '3d': null, '30d': null }, 0),
    slo(HOSTILE_JOB, 'verification-latency', 0.95, 0.98, 0.6, {}, 5000),
  ],
};

export function history(job: string, name: string): SloHistoryResponse {
  const points = Array.from({ length: 30 }, (_, i) => ({ t: NOW - (29 - i) * 60_000, errorRatio: name === 'auth-success' ? 0.0004 * i : 0 }));
  return { job, slo: name, points };
}

export const KEYS: KeysApiResponse = {
  window: '1h',
  keys: [
    { keyId: 'k-2026-11', status: 'active', share: 0.9, verifications: 900000, jobs: ['payments-api', HOSTILE_JOB], owner: 'payments-team' },
    { keyId: 'k-2026-08', status: 'retiring', share: 0.0997, verifications: 99700, jobs: ['payments-api'], owner: 'payments-team' },
    { keyId: 'k-2026-05', status: 'revoked', share: 0.0003, verifications: 300, jobs: ['payments-api'] },
    { keyId: HOSTILE_KEY, status: 'undeclared', share: 0, verifications: 0, jobs: [] },
  ],
};

const REASONS = ['signature_mismatch', 'replay', 'timestamp_skew', 'revoked_key', 'kms_timeout', 'unknown_key'];
/** Diagnosed failures (by index): the cause and, for signed_with_other_key, a hostile key ID. */
const CAUSES: Readonly<Record<number, Pick<FailedSpan, 'cause' | 'causeKeyId'>>> = {
  0: { cause: 'signed_with_other_key', causeKeyId: HOSTILE_KEY },
  2: { cause: 'body_reserialized' },
  4: { cause: 'body_reserialized' },
  6: { cause: 'body_reserialized' },
  7: { cause: 'secret_differs' },
  8: { cause: 'undiagnosed' },
};
/** A trace URL the page must not make a link (not http or https). */
export const HOSTILE_TRACE_URL = 'javascript:window.__pwned=2';
type ApiFailure = FailuresApiResponse['failures'][number];

export const FAILURES: ApiFailure[] = Array.from({ length: 12 }, (_, i) => {
  const reason = REASONS[i % REASONS.length]!;
  const traceId = (i + 1).toString(16).padStart(32, 'a');
  const span: ApiFailure = {
    timeUnixMs: NOW - i * 7_300,
    job: i % 3 === 0 ? HOSTILE_JOB : 'payments-api',
    name: 'hmac.verify',
    keyId: i === 4 ? HOSTILE_KEY : i % 2 === 0 ? 'k-2026-11' : 'k-2026-05',
    reason,
    outcome: reason.startsWith('kms') ? 'error' : 'rejected',
    traceId,
    spanId: (i + 1).toString(16).padStart(16, 'b'),
    ...CAUSES[i],
    // Row 3's link is hostile; row 9 has none (no template, or no trace ID).
    ...(i === 9 ? {} : { traceUrl: i === 3 ? HOSTILE_TRACE_URL : `https://traces.example/trace/${traceId}` }),
  };
  return i === 5 ? span : { ...span, clientFingerprint: `c0ffee${String(i).padStart(6, '0')}` };
});

export const TOP_CLIENTS: FailuresApiResponse['topClients'] = [
  { job: 'payments-api', clients: [{ clientFingerprint: 'c0ffee000001', count: 1520, error: 0 }, { clientFingerprint: 'c0ffee000007', count: 12, error: 3 }] },
  { job: HOSTILE_JOB, clients: [{ clientFingerprint: 'c0ffee000003', count: 4, error: 0 }] },
];

export function failures(params: URLSearchParams): FailuresApiResponse {
  const job = params.get('job') || undefined;
  const reason = params.get('reason') || undefined;
  const limit = Number(params.get('limit') ?? 100);
  const selected = FAILURES.filter((f) => (!job || f.job === job) && (!reason || f.reason === reason));
  return {
    failures: selected.slice(0, limit),
    causes: summarizeCauses(selected),
    topClients: TOP_CLIENTS.filter((g) => !job || g.job === job),
  };
}

/**
 * One row in each section that the page cannot render (values no collector sends, but a proxy, a
 * bug or a newer version might): a failure dated beyond what a Date holds, a key without a job list,
 * an SLO without windows, a client fingerprint that is an object, a top-clients group without clients,
 * a job's cause summary without causes.
 */
export const BAD_ROWS = {
  slo: { ...slo('broken-job', 'auth-success', 0.999, 1, 1, {}, 0), windows: null } as unknown as SloStatus,
  key: { keyId: 'k-broken', status: 'active', share: 0.1, verifications: 1, jobs: null } as unknown as KeysApiResponse['keys'][number],
  failure: { ...FAILURES[0]!, timeUnixMs: 1e17, traceId: 'dead'.repeat(8) },
  client: { clientFingerprint: { not: 'a string' }, count: 1, error: 0 } as unknown as FailuresApiResponse['topClients'][number]['clients'][number],
  group: { job: 'broken-group', clients: null } as unknown as FailuresApiResponse['topClients'][number],
  causes: { job: 'broken-causes', total: 1, causes: null } as unknown as FailuresApiResponse['causes'][number],
};

/** The fixture answers with a bad row added to each section (see BAD_ROWS). */
function withBadRows(path: string, body: unknown): unknown {
  if (path === '/api/slo') return { ...SLO, slos: [...SLO.slos, BAD_ROWS.slo] };
  if (path === '/api/keys') return { ...KEYS, keys: [...KEYS.keys, BAD_ROWS.key] };
  if (path !== '/api/failures') return body;
  const f = body as FailuresApiResponse;
  const [first, ...rest] = f.topClients;
  return {
    failures: [BAD_ROWS.failure, ...f.failures],
    causes: [...f.causes, BAD_ROWS.causes],
    topClients: [...(first ? [{ ...first, clients: [...first.clients, BAD_ROWS.client] }] : []), ...rest, BAD_ROWS.group],
  };
}

export interface FixtureServer {
  readonly base: string;
  /** Every API request the page made (path + query), for checking what the filters sent. */
  readonly requests: string[];
  /** When set, /api/slo answers with this HTTP status (to show the error banner). */
  failSloWith: number | undefined;
  close(): Promise<void>;
}

/** Replaces whole string values anywhere in a JSON-shaped value. */
function renameStrings<T>(value: T, names: ReadonlyMap<string, string>): T {
  if (typeof value === 'string') return (names.get(value) ?? value) as T;
  if (Array.isArray(value)) return value.map((v) => renameStrings(v, names)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameStrings(v, names)])) as T;
  }
  return value;
}

/**
 * `rename` swaps fixture strings for others in every answer (the docs screenshot uses plain names
 * instead of the hostile ones); filter parameters are mapped back before filtering.
 */
export async function startFixtureServer(opts: { rename?: Readonly<Record<string, string>>; badRows?: boolean } = {}): Promise<FixtureServer> {
  const names = new Map(Object.entries(opts.rename ?? {}));
  const reverse = new Map([...names].map(([from, to]) => [to, from]));
  const ui = createUiHandler();
  const requests: string[] = [];
  const state: { failSloWith: number | undefined } = { failSloWith: undefined };
  const server: Server = createServer((req, res) => {
    if (ui(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://fixture.invalid');
    const json = (status: number, body: unknown) => {
      const answer = opts.badRows && status === 200 ? withBadRows(url.pathname, body) : body;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(renameStrings(answer, names)));
    };
    for (const [key, value] of [...url.searchParams]) url.searchParams.set(key, reverse.get(value) ?? value);
    if (url.pathname.startsWith('/api/')) requests.push(url.pathname + url.search);
    if (url.pathname === '/api/slo') {
      if (state.failSloWith) return json(state.failSloWith, { error: 'fixture outage' });
      return json(200, SLO);
    }
    if (url.pathname === '/api/slo/history') return json(200, history(url.searchParams.get('job') ?? '', url.searchParams.get('slo') ?? ''));
    if (url.pathname === '/api/keys') return json(200, KEYS);
    if (url.pathname === '/api/failures') return json(200, failures(url.searchParams));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    get failSloWith() {
      return state.failSloWith;
    },
    set failSloWith(v) {
      state.failSloWith = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
