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
import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { ATTR, SPANS } from '../contract.js';
import { hubFor, tracerFor, type Hub } from '../telemetry/hub.js';
import { errorClassName, ProblemReporter } from '../telemetry/report.js';
import { instrumentCall } from './engine.js';
import { checkToken, type ProviderOptions } from './options.js';
import { OperationSeries } from './series.js';

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
  const base: Attributes = Object.freeze({ [ATTR.scheme]: scheme });
  // `check` answers "fresh?", `has` answers "seen?": map both onto fresh/replayed.
  const freshWhen = style === 'check';

  const original = (cache as Record<string, (...a: unknown[]) => Verdict>)[style]!;
  const call = function (this: unknown, ...args: unknown[]): Verdict {
    return original.apply(this === proxy ? cache : this, args);
  };
  const wrappedCheck = instrumentCall(call, {
    tracer: tracerFor(options.tracerProvider),
    spanName: SPANS.replay,
    spanAttributes: base,
    series: new OperationSeries({ hub, counter: 'replayChecks', countBy: 'replay', base }),
    // A replayed nonce is the `replay` verdict; a cache that threw is not a verdict (not counted).
    judgeResult: (verdict) => ((verdict === true) === freshWhen ? undefined : 'replay'),
    classify: () => 'internal_error',
    annotate: (span, reason, failed, error) => {
      if (failed) {
        span.setAttribute(ATTR.errorClass, errorClassName(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'replay cache failed' });
        return;
      }
      span.setAttribute(ATTR.replayResult, reason === undefined ? 'fresh' : 'replayed');
      if (reason !== undefined) span.setAttribute(ATTR.errorType, reason);
    },
  });

  reportSize(hub, new WeakRef(cache), base, new ProblemReporter());

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
function reportSize(hub: Hub, ref: WeakRef<object>, attributes: Attributes, reporter: ProblemReporter): void {
  const stop = hub.addGaugeSource((observe) => {
    const target = ref.deref();
    if (target === undefined) {
      stop();
      return;
    }
    const size = sizeOf(target, reporter);
    if (size !== undefined) observe('replayCacheSize', size, attributes);
  });
}

function sizeOf(cache: object, reporter: ProblemReporter): number | undefined {
  try {
    const size = (cache as { size?: unknown }).size;
    const n = typeof size === 'function' ? size.call(cache) : size;
    return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
  } catch (err) {
    reporter.report("the replay cache's size", 'no size is reported for it', err);
    return undefined;
  }
}
