/**
 * Failure causes in words, for the status page's "Why signatures fail" summary and cause column:
 * a short label per cause and one sentence saying what to check (docs/collector.md, "Why signatures
 * fail", holds the same table; test/ui/failure-causes.test.ts keeps the two equal). Pure, so it is
 * unit-tested in Node and bundled unchanged into the browser script.
 */
import type { FailureCause } from '@hmac-slo/instrumentation/contract';
import type { JobFailureCauses } from '../collector/model.js';
import { formatPercent, httpHref } from './format.js';

export interface CauseText {
  /** What happened, short enough for a summary line. */
  readonly label: string;
  /** What to check, one plain-language sentence. */
  readonly check: string;
}

/** Every cause of the contract, and `other` (a value the collector did not recognise). */
export const CAUSE_TEXT: Readonly<Record<FailureCause | 'other', CauseText>> = {
  body_not_raw: { label: 'body parsed before verification', check: 'Give the verifier the raw request bytes: mount the webhook route before the JSON body parser (express.json(), Next.js bodyParser) or use its raw-body option.' },
  body_reserialized: { label: 'body re-serialized by the app', check: 'Verify the body exactly as received, not JSON.stringify of the parsed body: keep the raw bytes for this route.' },
  body_whitespace: { label: 'whitespace or line endings changed', check: 'Look for a trailing newline added or removed, or CRLF/LF converted, between the sender and the verifier (proxy, middleware, text-mode read).' },
  body_base64: { label: 'body base64-encoded by the platform', check: 'Decode the body before verifying when the platform delivers it base64-encoded (API Gateway isBase64Encoded, Vercel, Netlify).' },
  body_encoding: { label: 'body re-encoded (charset)', check: 'Read the body as bytes or UTF-8, never as Latin-1 or ASCII: check the body parser\'s charset and any string conversion.' },
  body_compressed: { label: 'body still compressed', check: 'Verify the decompressed body: gunzip it (Content-Encoding: gzip) before verifying, or let the framework do it.' },
  secret_format: { label: 'secret badly formatted', check: 'Check the secret\'s environment variable for a trailing newline, spaces or quotes, and whether it is meant raw or base64-decoded.' },
  signed_with_other_key: { label: 'signed with another key', check: 'The sender signs with another key this service holds (named in the failure): finish the rotation on the sender, or fix which secret this endpoint uses.' },
  method_changed: { label: 'HTTP method changed', check: 'Something between client and server changes the method: a redirect turning POST into GET, or a method-override proxy.' },
  path_changed: { label: 'path changed', check: 'A proxy or router rewrites the path (prefix stripped or added, trailing slash, percent-encoding): sign and verify the same path.' },
  query_changed: { label: 'query string changed', check: 'The query string changes in transit (parameter order, encoding, added parameters): check proxies and how the client builds the URL.' },
  header_changed: { label: 'signed header changed', check: 'A proxy rewrites a signed header (for example Content-Type gains "; charset=utf-8"): compare the signed headers on both sides.' },
  timestamp_changed: { label: 'timestamp changed', check: 'The timestamp the verifier reads is not the one that was signed: check which header the client sets and any proxy that rewrites it.' },
  secret_differs: { label: 'secret differs', check: 'Everything signed arrives unchanged, so the two sides hold different secrets for this key ID: compare them (test vs live, another endpoint\'s secret).' },
  undiagnosed: { label: 'not explained', check: 'Nothing the diagnosis tries explained it: open the trace, and consider forged requests or a tampered body.' },
  skipped: { label: 'not diagnosed (budget spent)', check: 'The diagnosis budget was spent during a burst of failures: the other causes shown are a sample of them.' },
  other: { label: 'unrecognized cause', check: 'The span carried a cause this collector does not know: update the collector, or check what sends the spans.' },
};

/** The words for a cause; anything not in the table is shown as `other`. */
export function causeText(cause: string): CauseText {
  return Object.prototype.hasOwnProperty.call(CAUSE_TEXT, cause) ? CAUSE_TEXT[cause as FailureCause] : CAUSE_TEXT.other;
}

/** One job's summary line: "payments-api: body re-serialized by the app 82%, secret differs 18%". */
export function summaryLine(summary: JobFailureCauses): string {
  return `${summary.job}: ${summary.causes.map((c) => `${causeText(c.cause).label} ${formatPercent(c.share, 0)}`).join(', ')}`;
}

/**
 * The link to open for a failure's trace: the API's `traceUrl` if it is an absolute http(s) URL,
 * undefined otherwise (so a `javascript:` or relative value is never made a link).
 */
export function traceHref(traceUrl: unknown): string | undefined {
  return httpHref(traceUrl);
}
