/** The collector's own health metrics (`hmac_slo_collector_*`), as Prometheus families. */
import type { PromFamily, PromSample } from './model.js';
import { SPAN_ONLY_ATTRIBUTES } from './point-attributes.js';
import { CLOSED_ATTRIBUTES } from './closed-values.js';

/**
 * The one recorder of the collector's own counters: every event it counts has a named method here,
 * called by the part that sees it (the HTTP layer, the connection guard, the core), so a counter is
 * never incremented from two places under two spellings.
 */
/** One family; the literal form of each took six lines and said the same thing. */
function family(name: string, type: PromFamily['type'], help: string, samples: PromSample[]): PromFamily {
  return { name, type, help, samples };
}
/** A family's single unlabelled sample. */
const one = (value: number): PromSample[] => [{ labels: {}, value }];
/** One sample per key of `map`, the key as `label`. */
const byLabel = (map: ReadonlyMap<string, number>, label: string): PromSample[] => [...map].map(([k, value]) => ({ labels: { [label]: k }, value }));

export class SelfMetrics {
  /** `signal\0result` → pushes. result: accepted | partial | rejected | unauthorized | forbidden. */
  private readonly pushes = new Map<string, number>();
  /** `signal\0reason` → whole pushes refused. */
  private readonly rejectedPushes = new Map<string, number>();
  /** reason → data points refused inside accepted pushes (partial_success). */
  private readonly rejectedPoints = new Map<string, number>();
  /** reason → requests refused outside the push path: `unauthorized` reads, failed `tls_handshake`s, `bad_request_target`s. */
  private readonly refusedRequests = new Map<string, number>();
  private ignoredPoints = 0;
  private acceptedPoints = 0;
  private failedSpans = 0;
  /** attribute → values outside the contract's closed set, on metric points and failed spans (kept as `other`). */
  private readonly unrecognizedValues = new Map<string, number>();
  /** reason (future | past) → failed spans whose time was replaced by the receive time. */
  private readonly clampedSpanTimes = new Map<string, number>();
  private snapshots = 0;
  private snapshotFailures = 0;
  /** attribute → span-only attributes (raw client IDs) removed from metric points (point-attributes.ts). */
  private readonly strippedAttributes = new Map<string, number>();
  /** reason → connections closed by the server's caps (`max_connections`, `max_connections_per_client`, `timeout`). */
  private readonly closedConnections = new Map<string, number>();
  /** Samples of the SLO engine and key usage: the collector's tick (reads never sample). */
  private samples = 0;

  private inc(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }

  /** A push answered 200: `partial` when some of its points were refused. */
  pushAccepted(signal: 'metrics' | 'traces', partial = false): void {
    this.inc(this.pushes, `${signal}\0${partial ? 'partial' : 'accepted'}`);
  }

  /** A push refused as a whole (HTTP `status`), with the reason its answer gives. */
  pushRefused(signal: 'metrics' | 'traces', status: number, reason: string): void {
    this.inc(this.pushes, `${signal}\0${status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'rejected'}`);
    this.inc(this.rejectedPushes, `${signal}\0${reason}`);
  }

  /** A request refused before any endpoint answered (unauthorized, tls_handshake, bad_request_target). */
  requestRefused(reason: string): void {
    this.inc(this.refusedRequests, reason);
  }

  /** The points of one applied metrics push: accepted, ignored (non-`hmac.*`) and refused by reason. */
  pointsIngested(r: { readonly accepted: number; readonly ignored: number; readonly rejected: ReadonlyMap<string, number> }): void {
    this.acceptedPoints += r.accepted;
    this.ignoredPoints += r.ignored;
    for (const [reason, n] of r.rejected) this.inc(this.rejectedPoints, reason, n);
  }

  /** Span-only attributes removed from metric points, by attribute. */
  attributesStripped(byAttribute: ReadonlyMap<string, number>): void {
    for (const [attribute, n] of byAttribute) this.inc(this.strippedAttributes, attribute, n);
  }

  /** Failed spans recorded in the failure log. */
  failedSpansRecorded(n: number): void {
    this.failedSpans += n;
  }

  /** Metric points whose value of a closed-set attribute was not one of the contract's, by attribute: kept as `other`. */
  unrecognizedAttributeValues(byAttribute: ReadonlyMap<string, number>): void {
    for (const [attribute, n] of byAttribute) this.inc(this.unrecognizedValues, attribute, n);
  }

  /** A failed span whose `attribute` (`hmac.failure.cause`, `error.type`, `hmac.outcome`) was not one of the contract's: kept as `other`. */
  unrecognizedAttributeValue(attribute: string): void {
    this.inc(this.unrecognizedValues, attribute);
  }

  /** A failed span kept with the receive time instead of its own (future | past). */
  spanTimeClamped(reason: string): void {
    this.inc(this.clampedSpanTimes, reason);
  }

  snapshotWritten(): void {
    this.snapshots++;
  }

  snapshotFailed(): void {
    this.snapshotFailures++;
  }

  /** Snapshots that failed to write since start (tests of the snapshot's checks read it). */
  get snapshotErrors(): number {
    return this.snapshotFailures;
  }

  /** A connection the server closed on its own (max_connections, max_connections_per_client, timeout). */
  connectionClosed(reason: string): void {
    this.inc(this.closedConnections, reason);
  }

  /** The SLO engine and key usage sampled the aggregates (the tick). */
  sampled(): void {
    this.samples++;
  }

  families(g: {
    activePushers: number;
    series: number;
    overflow: number;
    /** Points refused per aggregator cap (max_series, max_series_per_job, max_jobs, max_readings(_per_job), max_pushers(_per_job)). */
    overflowByCap?: ReadonlyMap<string, number>;
    /** Per-pusher cumulative readings held. */
    readings?: number;
    /** Jobs holding series. */
    jobs?: number;
    /** Series dropped by the series TTL. */
    expiredSeries?: number;
    /** Configured resource label → data points whose value was collapsed to `__overflow__`. */
    resourceLabelOverflow?: ReadonlyMap<string, number>;
    logBytes: number;
    /** The failure log's top rejected clients per job (fingerprints only, bounded by topClients). */
    topClients?: readonly { job: string; clients: readonly { clientFingerprint: string; count: number }[] }[];
    /** The SLO engine's (job, SLO) pairs: tracked, untracked, and refused/expired/evicted since start. */
    sloPairs?: { pairs: number; untrackedPairs: number; refusedPairs: number; expiredPairs: number; evictedPairs: number };
    /** Time to revoke per key (keys/revocation.ts): revoked since, presented after, last accepted (Unix ms). */
    keyRevocations?: readonly { keyId: string; revokedAtMs?: number; presentedAfterRevokeSeconds?: number; lastAcceptedAtMs?: number }[];
  }): PromFamily[] {
    const split = (map: Map<string, number>, a: string, b: string): PromSample[] =>
      [...map].map(([k, value]) => {
        const [x, y] = k.split('\0');
        return { labels: { [a]: x!, [b]: y! }, value };
      });
    return [
      family('hmac_slo_collector_pushes_total', 'counter', 'OTLP export requests received, by signal and result (accepted, partial, rejected, unauthorized, forbidden).', split(this.pushes, 'signal', 'result')),
      family('hmac_slo_collector_rejected_pushes_total', 'counter', 'OTLP export requests refused as a whole, by signal and reason.', split(this.rejectedPushes, 'signal', 'reason')),
      family('hmac_slo_collector_refused_requests_total', 'counter', 'Requests refused before any endpoint answered: reads without valid web-config credentials (unauthorized), failed TLS handshakes (tls_handshake), request targets that do not parse (bad_request_target).', byLabel(this.refusedRequests, 'reason')),
      family('hmac_slo_collector_rejected_data_points_total', 'counter', 'Data points refused inside accepted requests (reported in partial_success), by reason.', byLabel(this.rejectedPoints, 'reason')),
      family('hmac_slo_collector_accepted_data_points_total', 'counter', 'Data points aggregated.', one(this.acceptedPoints)),
      family('hmac_slo_collector_ignored_data_points_total', 'counter', 'Data points of metrics outside the hmac.* namespace, dropped by design.', one(this.ignoredPoints)),
      family('hmac_slo_collector_stripped_attributes_total', 'counter', 'Span-only attributes (hmac.client.id, hmac.error.class) removed from metric data points before aggregation, by attribute.', SPAN_ONLY_ATTRIBUTES.map((attribute) => ({ labels: { attribute }, value: this.strippedAttributes.get(attribute) ?? 0 }))),
      family('hmac_slo_collector_failed_spans_total', 'counter', 'Failed hmac.* spans recorded in the failure log.', one(this.failedSpans)),
      family('hmac_slo_collector_unrecognized_attribute_values_total', 'counter', 'Values of the metric contract\'s closed-set attributes on metric points and failed spans that were not one of the contract\'s (docs/collector.md), kept as other, by attribute.', CLOSED_ATTRIBUTES.map((attribute) => ({ labels: { attribute }, value: this.unrecognizedValues.get(attribute) ?? 0 }))),
      family('hmac_slo_collector_clamped_span_times_total', 'counter', 'Failed spans whose time was not believable (future: beyond maxSpanFuture; past: before 2000 or missing) and was replaced by the receive time, by reason.', ['future', 'past'].map((reason) => ({ labels: { reason }, value: this.clampedSpanTimes.get(reason) ?? 0 }))),
      {
        // For Grafana, which cannot read /api/failures: `job` is the pusher's job (like the SLO
        // gauges), so `job=~"$job"` works with honor_labels. Bounded: at most topClients series per
        // job; a fingerprint that drops out of the top-k disappears. A gauge, not a counter: a new
        // entrant inherits the evicted count (space-saving), so values are estimates, not monotonic.
        name: 'hmac_slo_collector_top_rejected_clients',
        type: 'gauge',
        help: 'Rejected requests of the top clients per job since the state directory was created (kept across restarts), by client fingerprint (space-saving estimate: overcounts by at most the smallest count of the job).',
        samples: (g.topClients ?? []).flatMap((t) =>
          t.clients.map((c) => ({ labels: { job: t.job, client_fingerprint: c.clientFingerprint }, value: c.count })),
        ),
      },
      ...keyRevocationFamilies(g.keyRevocations ?? []),
      family('hmac_slo_collector_active_pushers', 'gauge', 'Pushers (distinct resources) seen within the pusher TTL.', one(g.activePushers)),
      family('hmac_slo_collector_series', 'gauge', 'Aggregated series held.', one(g.series)),
      {
        name: 'hmac_slo_collector_series_overflow_total',
        type: 'counter',
        help: 'Data points refused because an aggregator cap was reached, by cap (max_series, max_series_per_job, max_jobs, max_readings, max_readings_per_job, max_pushers, max_pushers_per_job).',
        samples: g.overflowByCap
          ? [...g.overflowByCap].map(([reason, value]) => ({ labels: { reason }, value }))
          : one(g.overflow),
      },
      family('hmac_slo_collector_readings', 'gauge', 'Per-pusher last cumulative readings, and last values of gauges summed across pushers, held (capped by collector.limits.maxReadings).', one(g.readings ?? 0)),
      family('hmac_slo_collector_jobs', 'gauge', 'Jobs holding aggregated series (capped by collector.limits.maxJobs).', one(g.jobs ?? 0)),
      family('hmac_slo_collector_resource_label_overflow_total', 'counter', 'Data points whose resource label (collector.resourceLabels) got the value __overflow__ because the label had maxValuesPerLabel distinct values already, by label.', byLabel(new Map(g.resourceLabelOverflow ?? []), 'label')),
      family('hmac_slo_collector_expired_series_total', 'counter', 'Aggregated series dropped because their job got no point for collector.seriesTtl, gauges of a resource label value whose job\'s last pusher with it was forgotten, and counters and histograms of a resource label value no pusher of their job had for collector.seriesTtl.', one(g.expiredSeries ?? 0)),
      family('hmac_slo_collector_closed_connections_total', 'counter', 'Connections the server closed on its own, by reason (max_connections: over the cap; max_connections_per_client: over the cap per client address; timeout: headers, body or idle timeout).', byLabel(this.closedConnections, 'reason')),
      ...(g.sloPairs ? sloPairFamilies(g.sloPairs) : []),
      family('hmac_slo_collector_snapshots_total', 'counter', 'State snapshots written.', one(this.snapshots)),
      family('hmac_slo_collector_snapshot_errors_total', 'counter', 'State snapshots that failed to write.', one(this.snapshotFailures)),
      family('hmac_slo_collector_samples_total', 'counter', 'Samples of the aggregates taken by the SLO engine and key usage: one per tick (10 s divided by timeScale); reads never sample.', one(this.samples)),
      family('hmac_slo_collector_log_bytes', 'gauge', 'Bytes in the current push log (since the last snapshot).', one(g.logBytes)),
    ];
  }
}

/**
 * Time to revoke for Grafana (the executive dashboard), which cannot read /api/keys: per key ID, no
 * job (a key's revocation spans jobs). Bounded by the keys key usage tracks (collector.keys.maxEntries).
 */
function keyRevocationFamilies(keys: readonly { keyId: string; revokedAtMs?: number; presentedAfterRevokeSeconds?: number; lastAcceptedAtMs?: number }[]): PromFamily[] {
  const gauge = (name: string, help: string, value: (k: (typeof keys)[number]) => number | undefined): PromFamily => ({
    name,
    type: 'gauge',
    help,
    samples: keys.flatMap((k) => {
      const v = value(k);
      return v === undefined ? [] : [{ labels: { hmac_key_id: k.keyId }, value: v }];
    }),
  });
  return [
    gauge('hmac_slo_collector_key_revoked_timestamp_seconds', 'When the collector first saw the key reported revoked (Unix seconds).', (k) => (k.revokedAtMs === undefined ? undefined : k.revokedAtMs / 1000)),
    gauge('hmac_slo_collector_key_presented_after_revoke_seconds', 'How long a revoked key kept being presented (any outcome) after it was revoked, in seconds; 0 = never since.', (k) => k.presentedAfterRevokeSeconds),
    gauge('hmac_slo_collector_key_last_accepted_timestamp_seconds', 'When a verification with the key was last accepted (Unix seconds).', (k) => (k.lastAcceptedAtMs === undefined ? undefined : k.lastAcceptedAtMs / 1000)),
  ];
}

/** The SLO engine's pair cap at work (docs/collector.md, "Bad input, limits and credentials"). */
function sloPairFamilies(p: { pairs: number; untrackedPairs: number; refusedPairs: number; expiredPairs: number; evictedPairs: number }): PromFamily[] {
  return [
    family('hmac_slo_collector_slo_pairs', 'gauge', '(job, SLO) pairs the SLO engine tracks (at most collector.slo.maxPairs).', one(p.pairs)),
    family('hmac_slo_collector_slo_pairs_untracked', 'gauge', '(job, SLO) pairs with aggregated series but no SLO: refused at the cap or dropped when idle.', one(p.untrackedPairs)),
    family('hmac_slo_collector_slo_pairs_refused_total', 'counter', 'Samples at which a (job, SLO) pair with new events found no place under collector.slo.maxPairs (those events are in no SLO).', one(p.refusedPairs)),
    {
      name: 'hmac_slo_collector_slo_pairs_dropped_total',
      type: 'counter',
      help: '(job, SLO) pairs dropped, by reason: idle (no events for collector.slo.pairTtl) or evicted (idle for pairEvictAfter, to make room at the cap).',
      samples: [
        { labels: { reason: 'idle' }, value: p.expiredPairs },
        { labels: { reason: 'evicted' }, value: p.evictedPairs },
      ],
    },
  ];
}
