// A broken hmac-slo.yaml is refused with the file, the field and the problem — by loadConfig (what the
// collector, generator and demo call) and by the CLI (exit 2, nothing started).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/index.js';
import { childEnv } from '../support/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function refused(name: string, yaml: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  try {
    loadConfig(file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `${name}: a ConfigError, got ${String(err)}`);
    assert.ok(err.message.startsWith(`${file}: `), `${name}: the message starts with the file: ${err.message}`);
    return err.message.slice(file.length + 2);
  }
  assert.fail(`${name}: accepted`);
}

test('each broken field is named with its path', () => {
  assert.match(refused('listen', 'collector:\n  listen: nonsense\n'), /^collector\.listen: expected HOST:PORT/);
  assert.match(refused('port', 'collector:\n  listen: 127.0.0.1:99999\n'), /^collector\.listen: /);
  assert.match(refused('duration', 'period: thirty days\n'), /^period: expected a duration/);
  assert.match(refused('objective', 'slos:\n  - name: a\n    sli: { kind: ratio, source: verifications, badOutcomes: [error] }\n    objective: 1.5\n'), /^slos\[0\]\.objective: /);
  assert.match(refused('unknown', 'collector:\n  lisen: 127.0.0.1:1\n'), /^collector: .*lisen/);
  assert.match(refused('prefix', 'alerting:\n  alertPrefix: hmac\n'), /^alerting\.alertPrefix: /);
  // The per-job series reserve must leave part of maxSeries shared.
  assert.match(refused('reserve', 'collector:\n  limits: { maxSeries: 1000 }\n'), /^collector\.limits: maxJobs × reservedSeriesPerJob \(2000 × 10 = 20000\) must be below maxSeries \(1000\)/);
  assert.match(refused('timeout', 'collector:\n  server: { headersTimeout: soon }\n'), /^collector\.server\.headersTimeout: expected a duration/);
  // The leaked-key alert needs history left once the recent stretch is taken out.
  assert.match(refused('key-clients', 'alerting:\n  failureModes: { keyClientsHistory: 1h, keyClientsRecent: 1h }\n'), /^alerting\.failureModes\.keyClientsRecent: must be shorter than keyClientsHistory \(1h\)/);
  // The history is read from a maximum recorded once an hour: less than an hour of it left holds
  // no recorded sample at some evaluations, and the key is then not judged at all.
  assert.match(refused('key-clients-hour', 'alerting:\n  failureModes: { keyClientsHistory: 90m, keyClientsRecent: 1h }\n'), /^alerting\.failureModes\.keyClientsHistory: must leave at least 1h .*keyClientsRecent \(1h\)/);
  // A leak that starts just before the hourly recording is in the history after keyClientsRecent:
  // no longer than `for`, that leak never pages.
  assert.match(refused('key-clients-for', 'alerting:\n  failureModes: { for: 10m, keyClientsRecent: 10m }\n'), /^alerting\.failureModes\.keyClientsRecent: must be longer than failureModes\.for \(10m\)/);
});

test('YAML that does not parse is refused with a position, not a stack trace', () => {
  const problem = refused('yaml', 'slos: [\n  - name: a\n');
  assert.ok(problem.length > 0 && !problem.includes('    at '), problem);
});

test('good addresses pass, including IPv6 and the loopback default', () => {
  for (const listen of ['127.0.0.1:9464', '[::1]:9464', '0.0.0.0:0', ':9464']) {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, `collector:\n  listen: "${listen}"\n`);
    assert.equal(loadConfig(file).collector.listen, listen);
  }
});

test('the collector refuses to start on a broken config: exit 2 and the field on stderr', () => {
  const file = join(dir, 'cli.yaml');
  writeFileSync(file, 'collector:\n  listen: nonsense\n');
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli.ts', 'collector', '--config', file], { encoding: 'utf8', timeout: 30_000, env: childEnv() });
  assert.equal(r.status, 2, r.stderr);
  assert.ok(r.stderr.includes(`${file}: collector.listen: expected HOST:PORT`), r.stderr);
});

test('a trace URL template whose links would not be URLs is refused, not left to drop every link silently', () => {
  // Each passes a "starts with http(s)://, contains {traceId}" check, yet no filled-in link parses as a URL.
  for (const [name, template] of [
    ['trace-port', 'http://localhost:99999/trace/{traceId}'],
    ['trace-ipv6', 'http://[::1/trace/{traceId}'],
    ['trace-host', 'http://jae ger/trace/{traceId}'],
  ]) {
    assert.match(refused(name!, `collector:\n  traceUrlTemplate: "${template}"\n`), /^collector\.traceUrlTemplate: '' or an http\(s\) URL containing \{traceId\}/, template);
  }
  for (const template of ['http://localhost:16686/trace/{traceId}', 'https://[::1]:16686/t/{traceId}?span={spanId}', 'http://{traceId}.traces.example/']) {
    const file = join(dir, 'trace-ok.yaml');
    writeFileSync(file, `collector:\n  traceUrlTemplate: "${template}"\n`);
    assert.equal(loadConfig(file).collector.traceUrlTemplate, template);
  }
});

test('collector.grafana.url is refused unless it is an http(s) base URL: the status page puts it in every card\'s link', () => {
  for (const [name, url] of [
    ['grafana-js', 'javascript:alert(document.cookie)//'],
    ['grafana-data', 'data:text/html,<script>alert(1)</script>'],
    ['grafana-relative', '//evil.example'],
    ['grafana-query', 'https://grafana.example.com/?orgId=1'],
    ['grafana-fragment', 'https://grafana.example.com/#x'],
    ['grafana-space', 'https://grafana example.com'],
  ]) {
    assert.match(refused(name!, `collector:\n  grafana:\n    url: "${url}"\n`), /^collector\.grafana\.url: '' or an http\(s\) base URL/, url);
  }
  for (const url of ['', 'http://localhost:3000', 'https://grafana.example.com/grafana/']) {
    const file = join(dir, 'grafana-ok.yaml');
    writeFileSync(file, `collector:\n  grafana:\n    url: "${url}"\n`);
    assert.equal(loadConfig(file).collector.grafana.url, url);
  }
});

test('an SLO scope on a label Prometheus cannot select is refused, naming the SLO and the label', () => {
  const slo = (scope: string) => `slos:\n  - name: a\n    sli: { kind: ratio, source: verifications, badOutcomes: [error] }\n    objective: 0.99\n    scope: ${scope}\n`;
  assert.match(refused('scope-dash', slo('{ env-name: [prod] }')), /^slos\[0\]\.scope\.env-name: "env-name" is not a Prometheus label name/);
  assert.match(refused('scope-digit', slo('{ 1env: [prod] }')), /^slos\[0\]\.scope\.1env: .*not a Prometheus label name/);
  assert.match(refused('scope-reserved', slo('{ __name__: [x] }')), /^slos\[0\]\.scope\.__name__: .*not a Prometheus label name/);
  assert.match(refused('scope-outcome', slo('{ hmac_outcome: [accepted] }')), /^slos\[0\]\.scope\.hmac_outcome: "hmac_outcome" cannot scope an SLO/);
  assert.match(refused('scope-empty', slo('{ job: [] }')), /^slos\[0\]\.scope\.job/);
  assert.match(refused('scope-shape', slo('{ job: { in: [a] } }')), /^slos\[0\]\.scope\.job/);
  assert.match(refused('scope-nul', slo('{ job: { notIn: ["a\\0b"] } }')), /^slos\[0\]\.scope\.job: a scope value cannot contain a NUL character/);
  assert.match(refused('scope-surrogate', slo('{ job: ["a\\ud800b"] }')), /^slos\[0\]\.scope\.job: a scope value cannot contain a NUL character or a lone surrogate/);
  // Values are plain strings and may hold anything: the generator escapes them.
  const file = join(dir, 'scope-ok.yaml');
  writeFileSync(file, slo(`{ job: { notIn: ['a"b', 'c|d'] }, deployment_environment_name: [prod] }`));
  assert.deepEqual(loadConfig(file).slos[0]!.scope, { job: { notIn: ['a"b', 'c|d'] }, deployment_environment_name: ['prod'] });
});

test('hmac-slo generate refuses a bad scope label: exit 2, the file and the field on stderr', () => {
  const file = join(dir, 'scope-cli.yaml');
  writeFileSync(file, 'slos:\n  - name: a\n    sli: { kind: ratio, source: verifications, badOutcomes: [error] }\n    objective: 0.99\n    scope: { "env.name": [prod] }\n');
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli.ts', 'generate', '--config', file, '--out', join(dir, 'out')], { encoding: 'utf8', timeout: 30_000, env: childEnv() });
  assert.equal(r.status, 2, r.stderr);
  assert.ok(r.stderr.includes(`${file}: slos[0].scope.env.name: "env.name" is not a Prometheus label name`), r.stderr);
});

test('blast radius refuses an SLO of our own errors: its burn must always page (issue 11 §2)', () => {
  assert.match(refused('blast-availability', 'alerting:\n  blastRadius: { slos: [auth-success, auth-availability] }\n'), /^alerting\.blastRadius\.slos\[1\]: SLO "auth-availability" does not count rejected verifications/);
  const internalOnly = 'slos:\n  - name: ours\n    sli: { kind: ratio, source: verifications, badOutcomes: [rejected, error], badReasons: [internal_error] }\n    objective: 0.99\n';
  assert.match(refused('blast-reasons', `${internalOnly}alerting:\n  blastRadius: { slos: [ours] }\n`), /^alerting\.blastRadius\.slos\[0\]: SLO "ours"/);
  assert.match(refused('blast-latency', 'alerting:\n  blastRadius: { slos: [verification-latency] }\n'), /^alerting\.blastRadius\.slos\[0\]: SLO "verification-latency"/);
  // Client faults split; a config whose SLO list has no auth-success keeps the default list valid.
  assert.deepEqual(parseConfig({ alerting: { blastRadius: { slos: ['auth-success'] } } }).alerting.blastRadius.slos, ['auth-success']);
  assert.doesNotThrow(() => parseConfig({ slos: [{ name: 'mine', sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['error'] }, objective: 0.99 }] }));
  // A config that redefines auth-success as our own errors, leaving blastRadius alone: the default
  // list leaves it out (it always pages) rather than refusing a setting the user never wrote.
  const ours = parseConfig({ slos: [{ name: 'auth-success', sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['error'] }, objective: 0.999 }] });
  assert.deepEqual(ours.alerting.blastRadius.slos, []);
});
