/**
 * Scoped SLOs on the dashboards (alerts/tests/scoped/hmac-slo.yaml): the SLO panels read the recorded
 * series by `slo` (which already hold only the scope), the success rate drawn against the first
 * success SLO's objective is narrowed by that SLO's scope with the rules' own matchers, every query
 * parses, and the objectives panel says what each scoped SLO covers. Without scopes the committed
 * dashboards are unchanged (test/mixin/generate-output.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { loadConfig } from '../../src/config/load.js';
import { renderMixin } from '../../src/generate/render.js';

interface Panel { title: string; description?: string; targets?: { expr: string }[] }

const config = loadConfig(join(import.meta.dirname, '..', '..', 'alerts', 'tests', 'scoped', 'hmac-slo.yaml'));
const boards = renderMixin(config).dashboards as Record<string, { panels: Panel[] }>;
const executive = boards['hmac-slo-executive.json']!.panels;
const panel = (title: string) => executive.find((p) => p.title === title)!;

test('every dashboard query of a scoped config parses', () => {
  for (const [name, b] of Object.entries(boards)) {
    for (const t of b.panels.flatMap((p) => p.targets ?? [])) {
      parser.parse(t.expr.replace(/\$__rate_interval/g, '1m')).iterate({
        enter(n) {
          assert.ok(!n.type.isError, `${name}: ${t.expr}`);
        },
      });
    }
  }
});

test('the success rate against payments-prod covers what payments-prod covers, with the same matchers as its rules', () => {
  const [rate] = panel('Auth success rate vs objective').targets!;
  const sel = (s: string) => rate!.expr.split(s).length - 1;
  // Numerator, the `or 0 *` fill and the denominator all carry the scope.
  assert.equal(sel('deployment_environment_name="prod",job="payments-api"'), 3, rate!.expr);
  assert.match(panel('Auth success rate vs objective').description!, /payments-prod/);
});

test('the SLO panels read the recorded series, one per job and SLO, and the objectives panel lists the scopes', () => {
  for (const title of ['Burn rate per SLO (1h)', 'Error budget remaining per SLO']) {
    for (const t of panel(title).targets!) assert.match(t.expr, /^job_slo:hmac_slo_error_budget:/, title);
  }
  const description = panel('SLO objectives').description!;
  assert.match(description, /payments-prod: deployment_environment_name="prod", job="payments-api"/);
  assert.match(description, /internal-webhooks: job!~"payments-api\|batch"/);
  assert.match(description, /no data/);
});
