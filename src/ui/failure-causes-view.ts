/// <reference lib="dom" />
/**
 * The status page's failure-cause parts: the "Why signatures fail" summary per job, the cause column
 * of the failure list and the trace-ID link. The page's own element factory (`el` in app.ts, text
 * nodes and DOM-set attributes only, never HTML) is passed in, so API strings stay text here too.
 */
import type { FailedSpan, FailuresApiResponse, JobFailureCauses } from '../collector/model.js';
import { formatPercent } from './format.js';
import { causeText, summaryLine, traceHref } from './failure-causes.js';

type Child = Node | string | number | null | undefined | false;
export type ElementFactory = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Readonly<Record<string, string | undefined>>,
  ...children: Child[]
) => HTMLElementTagNameMap[K];

/** The failure list's cause cell content: the cause in words (what to check as its tooltip), and the matching key ID. */
export function causeContent(el: ElementFactory, f: FailedSpan): Child[] {
  if (typeof f.cause !== 'string') return ['–'];
  const text = causeText(f.cause);
  return [
    el('span', { class: 'cause', 'data-cause': f.cause, title: text.check }, text.label),
    typeof f.causeKeyId === 'string' ? el('span', { class: 'muted' }, ' (key ', el('code', { 'data-field': 'cause-key-id' }, f.causeKeyId), ')') : null,
  ];
}

/** The trace ID, a link to the trace backend when the API gave one (opens in a new tab). */
export function traceIdContent(el: ElementFactory, f: FailedSpan & { traceUrl?: string }): Node {
  const code = el('code', { class: 'trace' }, f.traceId);
  const href = traceHref(f.traceUrl);
  return href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'trace-link', title: 'Open the trace' }, code) : code;
}

/**
 * "Why signatures fail": per job, its causes with their shares in one line, then one sentence per
 * cause saying what to check. `unshown` stands in for a job whose summary cannot be rendered.
 */
export function renderCauseSummary(
  el: ElementFactory,
  container: HTMLElement,
  causes: FailuresApiResponse['causes'] | undefined,
  eachRow: <T, N extends Node>(items: readonly T[], render: (item: T) => N, unshown: (reason: string) => N) => N[],
): void {
  const jobs = Array.isArray(causes) ? causes.filter((j) => j?.total !== 0) : [];
  if (jobs.length === 0) {
    container.replaceChildren(el('p', { class: 'muted' }, 'No diagnosed failures recorded'));
    return;
  }
  container.replaceChildren(
    ...eachRow(
      jobs,
      (j: JobFailureCauses) =>
        el(
          'div',
          { class: 'cause-group', 'data-job': j.job },
          el(
            'p',
            { class: 'cause-line', 'data-field': 'cause-line', title: summaryLine(j) },
            el('strong', {}, j.job),
            ': ',
            ...j.causes.flatMap((c, i) => [i > 0 ? ', ' : null, el('span', { 'data-cause': c.cause }, `${causeText(c.cause).label} ${formatPercent(c.share, 0)}`)]),
            el('span', { class: 'muted' }, ` (${j.total} with a cause)`),
          ),
          el('ul', { class: 'cause-checks' }, ...j.causes.map((c) => el('li', { 'data-cause': c.cause }, el('strong', {}, `${causeText(c.cause).label}: `), causeText(c.cause).check))),
        ),
      (reason) => el('div', { class: 'cause-group-error', 'data-unshown': 'causes' }, el('p', { class: 'empty' }, `These causes could not be shown (${reason})`)),
    ),
  );
}
