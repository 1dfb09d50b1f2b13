/**
 * `instrumentReplayCache(cache, { scheme })`: counts nonce checks as `fresh` or `replayed`
 * (`hmac.replay.checks`) with a `hmac.replay.check` span, and reports the cache's size through the
 * `hmac.replay.cache.size` gauge.
 *
 * Two cache shapes are understood:
 *  - `check(nonce)` → true when the nonce is fresh (and now remembered), false when replayed;
 *  - `has(nonce)` → true when seen before (replayed); `add(nonce)` remembers it.
 * Either may return a promise (a Redis-backed cache). The size is read from a `size` number or a
 * `size()` method; without one, no size is reported. Everything else passes through untouched: the
 * returned object is a Proxy over the cache, so it is still the same cache to the code using it.
 */
import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { ATTR, SPANS, type ReplayResult } from '../contract.js';
import { CounterCells } from '../telemetry/cells.js';
import { hubFor, tracerFor, type Hub } from '../telemetry/hub.js';
import { errorClassName, startSpan } from './engine.js';
import { checkToken, type ProviderOptions } from './options.js';

type Verdict = boolean | PromiseLike<boolean>;
export type CheckStyleCache = { check(nonce: string, ...rest: any[]): Verdict };
export type HasAddStyleCache = { has(nonce: string, ...rest: any[]): Verdict; add(nonce: string, ...rest: any[]): unknown };
export type ReplayCache = CheckStyleCache | HasAddStyleCache;

export interface ReplayCacheOptions extends ProviderOptions {
  /** The authentication scheme the cache protects. Default `hmac`. */
  scheme?: string;
}

export function instrumentReplayCache<C extends ReplayCache>(cache: C, options: ReplayCacheOptions = {}): C {
  if (typeof cache !== 'object' || cache === null) throw new TypeError('expected a replay cache object');
  const style = typeof (cache as CheckStyleCache).check === 'function' ? 'check' : typeof (cache as HasAddStyleCache).has === 'function' ? 'has' : undefined;
  if (style === undefined) throw new TypeError('a replay cache needs check(nonce) or has(nonce)/add(nonce)');
  const scheme = checkToken(options.scheme ?? 'hmac', 'scheme');
  const hub = hubFor(options.meterProvider);
  const tracer = tracerFor(options.tracerProvider);
  const base: Attributes = { [ATTR.scheme]: scheme };
  const cells = hub.counter('replayChecks', JSON.stringify([[ATTR.scheme, scheme]]), () =>
    new CounterCells(base, [{ [ATTR.replayResult]: 'fresh' }, { [ATTR.replayResult]: 'replayed' }]));
  // `check` answers "fresh?", `has` answers "seen?": map both onto fresh/replayed.
  const freshWhen = style === 'check';

  const original = (cache as Record<string, (...a: unknown[]) => Verdict>)[style]!;
  const count = (verdict: unknown, span: Span) => {
    const result: ReplayResult = (verdict === true) === freshWhen ? 'fresh' : 'replayed';
    cells.counts[result === 'fresh' ? 0 : 1]! += 1;
    if (span.isRecording()) {
      span.setAttributes(base);
      span.setAttribute(ATTR.replayResult, result);
      if (result === 'replayed') span.setAttributes({ [ATTR.errorType]: 'replay' });
    }
    span.end();
  };
  const fail = (err: unknown, span: Span) => {
    if (span.isRecording()) {
      span.setAttributes(base);
      span.setAttribute(ATTR.errorClass, errorClassName(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'replay cache failed' });
    }
    span.end();
  };
  const wrappedCheck = function (this: unknown, ...args: unknown[]): Verdict {
    const span = startSpan(tracer, SPANS.replay);
    let verdict: Verdict;
    try {
      verdict = original.apply(this === proxy ? cache : this, args);
    } catch (err) {
      fail(err, span);
      throw err;
    }
    if (verdict !== null && typeof verdict === 'object' && typeof verdict.then === 'function') {
      // Chained so an unhandled rejection stays unhandled for the caller (see engine.ts).
      return verdict.then(
        (v) => {
          count(v, span);
          return v;
        },
        (err) => {
          fail(err, span);
          throw err;
        },
      );
    }
    count(verdict, span);
    return verdict;
  };

  reportSize(hub, new WeakRef(cache), Object.freeze({ ...base }));

  const proxy: C = new Proxy(cache, {
    get(target, prop) {
      if (prop === style) return wrappedCheck;
      const value = Reflect.get(target, prop, target);
      // Methods of built-ins (Map, Set) need the real object as `this`.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return proxy;
}

/**
 * Registers the size gauge. A separate function on purpose: a closure created inside
 * instrumentReplayCache would share its scope (and so a strong reference to the cache), and the hub
 * would keep a dropped cache alive forever.
 */
function reportSize(hub: Hub, ref: WeakRef<object>, attributes: Attributes): void {
  const stop = hub.addGaugeSource((observe) => {
    const target = ref.deref();
    if (target === undefined) {
      stop();
      return;
    }
    const size = sizeOf(target);
    if (size !== undefined) observe('replayCacheSize', size, attributes);
  });
}

function sizeOf(cache: object): number | undefined {
  const size = (cache as { size?: unknown }).size;
  try {
    const n = typeof size === 'function' ? size.call(cache) : size;
    return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}
