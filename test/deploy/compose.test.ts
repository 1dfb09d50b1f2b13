/**
 * docker-compose.yml and deploy/**, checked without a Docker engine: `docker-compose config` resolves
 * the file; Prometheus's and Alertmanager's own checkers (promtool, amtool) read the configs as mounted;
 * every path a container reads is followed back through its bind mount to a file in the repository;
 * the services' addresses and ports agree with each other; Grafana's datasource is the one the
 * generated dashboards use; the webhook logger runs and prints an alert.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { composeConfig, flagValue, hostPath, ROOT, type ComposeModel, type ComposeService } from './compose-file.js';
import { childEnv } from '../support/processes.js';

const compose = composeConfig();
const services = compose.model.services;
const service = (name: string): ComposeService => {
  const s = services[name];
  assert.ok(s, `docker-compose.yml has no service ${name}`);
  return s;
};
const readYaml = (path: string) => parse(readFileSync(path, 'utf8')) as Record<string, any>;

/** host:port of a URL or a `host:port` target. */
function hostPort(target: string): { host: string; port: number } {
  const u = new URL(target.includes('://') ? target : `http://${target}`);
  return { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) };
}

/** The port a service listens on inside the network, from its listen flag (or the image default). */
function listenPort(s: ComposeService, flag: string, fallback: number): number {
  const v = flagValue(s.command, flag);
  return v ? Number(v.split(':').pop()) : fallback;
}

test('docker-compose config accepts docker-compose.yml', () => {
  assert.equal(compose.status, 0, `docker-compose config failed:\n${compose.stderr}`);
  for (const name of ['collector', 'demo', 'otel-collector', 'prometheus', 'alertmanager', 'grafana', 'jaeger', 'webhook-logger']) service(name);
});

test('every image is pinned to a version; the project image is built from the Dockerfile', () => {
  for (const [name, s] of Object.entries(services)) {
    assert.ok(s.image, `${name}: no image`);
    const tag = s.image.includes('@sha256:') ? 'digest' : s.image.split('/').pop()!.split(':')[1];
    assert.ok(tag && tag !== 'latest', `${name}: image ${s.image} is not pinned`);
    if (s.build) {
      assert.equal(s.image, 'hmac-slo:local', `${name}: the built image`);
      const context = typeof s.build === 'string' ? s.build : s.build.context;
      assert.equal(context, ROOT);
    } else {
      assert.match(tag, /^v?\d+\.\d+\.\d+|^digest$/, `${name}: ${s.image} should name an exact version`);
    }
  }
  const froms = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').match(/^FROM\s+\S+/gm) ?? [];
  assert.ok(froms.length > 0);
  for (const f of froms) assert.match(f, /^FROM node:20\.\d+\.\d+-[a-z]+(-slim)?$/, `${f}: pin an exact Node 20 release`);
});

test('the Dockerfile copies everything the collector needs and nothing .dockerignore drops', async () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  // Two stages: the build stage runs `npm run build`; the image copies its output (`COPY --from=build
  // /app/X X`) next to files from the build context.
  const stages = dockerfile.split(/^(?=FROM\s)/m).filter((stage) => stage.startsWith('FROM'));
  assert.match(stages[0]!, /^FROM \S+ AS build$/m);
  assert.match(stages[0]!, /^RUN npm run build$/m);
  const image = stages.at(-1)!;
  const fromBuild = [...image.matchAll(/^COPY --from=build \/app\/(\S+) (\S+)$/gm)].map((m) => ({ src: m[1]!, dest: m[2]! }));
  assert.ok(fromBuild.some((c) => c.src === 'dist'), 'the image takes the compiled dist/ from the build stage');
  const copied = (text: string) => [...text.matchAll(/^COPY\s+(?!--from)(.+)\s+\S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
  const sources = copied(dockerfile);
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const src of sources) {
    assert.ok(existsSync(join(ROOT, src)), `COPY ${src}: missing`);
    for (const pattern of ignored) assert.ok(!(src === pattern || src.startsWith(`${pattern}/`)), `COPY ${src} is excluded by .dockerignore (${pattern})`);
  }
  // The image installs runtime dependencies only (npm ci --omit=dev): every package the shipped
  // sources import must be one of them.
  if (/npm ci[^\n]*--omit=dev/.test(dockerfile)) {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    // The instrumentation's optional peers (prom-client) back subpaths the image never loads.
    const instrumentation = JSON.parse(readFileSync(join(ROOT, 'instrumentation', 'package.json'), 'utf8')) as { peerDependenciesMeta?: Record<string, { optional?: boolean }> };
    const optionalPeers = Object.entries(instrumentation.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([name]) => name);
    const files = spawnSync('git', ['ls-files', 'src', 'instrumentation/src'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n').filter((f) => f.endsWith('.ts'));
    for (const f of files) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      // ES imports only (`from '…'`, `import('…')`, `import '…'`), not a jsonnet `(import '…')` in a string.
      for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)'([^'.][^']*)'/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || spec.includes(' ')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (f.startsWith('instrumentation/') && optionalPeers.includes(name)) continue;
        assert.ok(name in pkg.dependencies, `${f} imports ${spec}, which is not a runtime dependency (the image omits devDependencies)`);
      }
    }
  }
  const entry = /^ENTRYPOINT\s+(\[.*\])$/m.exec(dockerfile);
  assert.ok(entry, 'ENTRYPOINT in exec form');
  const argv = JSON.parse(entry[1]!) as string[];
  // The compiled bin, run plainly: no tsx loader, no `source` condition (issue 10).
  assert.deepEqual(argv, ['node', 'dist/src/cli.js']);

  // Lay out the build stage's /app and the image's /app from exactly their COPY'd paths (node_modules
  // linked in place of npm ci), run `npm run build` in the first, copy its output into the second and
  // start the collector there with the image's entrypoint: a file missing from a COPY list fails here.
  const build = stageDir(copied(stages[0]!));
  const app = stageDir(copied(image));
  try {
    const built = spawnSync('npm', ['run', 'build'], { cwd: build, encoding: 'utf8', timeout: 180_000 });
    assert.equal(built.status, 0, `npm run build from the build stage's files:\n${built.stdout}${built.stderr}`);
    for (const c of fromBuild) spawnSync('cp', ['-r', join(build, c.src), join(app, c.dest)]);
    const child = spawn(process.execPath, [...argv.slice(1), 'collector', '--listen', '127.0.0.1:0', '--state-dir', join(app, 'state'), '--no-ui'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv({ NODE_OPTIONS: '' }),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const started = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        child.stdout.on('data', () => out.includes('collector listening') && (clearTimeout(timer), resolve(true)));
        child.once('exit', () => (clearTimeout(timer), resolve(false)));
      });
      assert.ok(started, `the collector did not start from the image's files:\n${out}`);
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    rmSync(app, { recursive: true, force: true });
    rmSync(build, { recursive: true, force: true });
  }
});

/**
 * A directory laid out like a stage's /app: the given build-context paths, and node_modules as
 * `npm ci` links it (the repository's packages, with the workspace package pointing at this copy).
 */
function stageDir(paths: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-image-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@hmac-slo'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) if (name !== '@hmac-slo') symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  symlinkSync(join(dir, 'instrumentation'), join(modules, '@hmac-slo', 'instrumentation'));
  for (const src of paths) spawnSync('cp', ['-r', '--parents', src, dir], { cwd: ROOT });
  return dir;
}

test('the demo pushes through the OpenTelemetry Collector: metrics to hmac-slo, spans to hmac-slo and Jaeger', () => {
  const collector = service('collector');
  const demo = service('demo');
  const otel = service('otel-collector');
  const port = listenPort(collector, '--listen', 9464);
  const otelFile = hostPath(otel, flagValue(otel.command, '--config') ?? '');
  assert.ok(otelFile && existsSync(otelFile), `otel-collector --config is not mounted from the repository: ${otelFile}`);
  const cfg = readYaml(otelFile);
  const httpPort = hostPort(cfg.receivers.otlp.protocols.http.endpoint).port;

  const pushTo = flagValue(demo.command, '--push-to');
  assert.ok(pushTo, 'demo --push-to');
  for (const url of pushTo.split(',')) assert.deepEqual(hostPort(url), { host: 'otel-collector', port: httpPort });

  const exporterTargets = (pipeline: string) =>
    (cfg.service.pipelines[pipeline].exporters as string[]).map((name) => {
      const e = cfg.exporters[name];
      assert.ok(e, `${pipeline}: exporter ${name} is defined`);
      assert.match(name, /^otlphttp(\/|$)/, `${name}: OTLP/HTTP, what the hmac-slo collector speaks`);
      return hostPort(e.endpoint);
    });
  assert.deepEqual(cfg.service.pipelines.metrics.receivers, ['otlp']);
  assert.deepEqual(exporterTargets('metrics'), [{ host: 'collector', port }]);
  const jaegerOtlp = 4318; // all-in-one's OTLP/HTTP port (COLLECTOR_OTLP_ENABLED)
  assert.equal(service('jaeger').environment?.COLLECTOR_OTLP_ENABLED, 'true');
  assert.deepEqual(exporterTargets('traces').sort((a, b) => a.host.localeCompare(b.host)), [
    { host: 'collector', port },
    { host: 'jaeger', port: jaegerOtlp },
  ]);
  // No processor may change what the hmac-slo collector relies on (resource attributes, temporality).
  for (const p of Object.values(cfg.service.pipelines) as { processors?: string[] }[]) {
    for (const name of p.processors ?? []) assert.match(name, /^batch(\/|$)/, `processor ${name} might rewrite resources or temporality`);
  }

  const state = flagValue(collector.command, '--state-dir')!;
  assert.ok(state, 'collector --state-dir');
  assert.ok((collector.volumes ?? []).some((v) => typeof v === 'string' && v.split(':')[1] === state), `a volume at ${state}`);
});

function prometheusConfig(): { file: string; config: Record<string, any> } {
  const prom = service('prometheus');
  const file = hostPath(prom, flagValue(prom.command, '--config.file') ?? '/etc/prometheus/prometheus.yml');
  assert.ok(file && existsSync(file), `prometheus --config.file is not mounted from the repository: ${file}`);
  return { file, config: readYaml(file) };
}

test('Prometheus: promtool accepts the config with its rule files as mounted', () => {
  const prom = service('prometheus');
  const { config } = prometheusConfig();
  const ruleFiles = config.rule_files as string[];
  assert.ok(ruleFiles.length >= 2, 'rules and alerts loaded');
  // Follow each container path back to the repository through the bind mounts, and check the copy.
  const hostRules = ruleFiles.map((f) => {
    const host = hostPath(prom, f);
    assert.ok(host && existsSync(host), `${f} is not mounted from an existing file (${host})`);
    return host;
  });
  assert.deepEqual(hostRules.map((f) => f.slice(ROOT.length + 1)).sort(), ['alerts/generated/alerts.yaml', 'alerts/generated/rules.yaml']);
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-promcfg-'));
  try {
    const copy = join(dir, 'prometheus.yml');
    writeFileSync(copy, JSON.stringify({ ...config, rule_files: hostRules }));
    const run = spawnSync('promtool', ['check', 'config', copy], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `promtool check config:\n${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /SUCCESS: 2 rule files found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Prometheus: scrapes the collector with honor_labels, keeps its series, alerts to Alertmanager', () => {
  const { config } = prometheusConfig();
  const job = (config.scrape_configs as any[]).find((j) => j.static_configs?.some((s: any) => s.targets.some((t: string) => hostPort(t).host === 'collector')));
  assert.ok(job, 'a scrape job targets the collector');
  assert.equal(job.honor_labels, true);
  const collectorPort = listenPort(service('collector'), '--listen', 9464);
  assert.deepEqual(job.static_configs.flatMap((s: any) => s.targets).map(hostPort), [{ host: 'collector', port: collectorPort }]);

  // Drop rules, applied as Prometheus applies them (regex anchored at both ends, action drop). The
  // collector exports no SLO series since issue 10 (the recording rules are their only producer), so
  // there is no copy to drop any more; its telemetry and health metrics must all arrive.
  const drops = ((job.metric_relabel_configs ?? []) as any[]).filter((r) => r.action === 'drop' && r.source_labels?.join() === '__name__');
  const dropped = (name: string) => drops.some((r) => new RegExp(`^(?:${r.regex})$`).test(name));
  for (const name of ['hmac_auth_verifications_total', 'hmac_slo_collector_pushes_total', 'hmac_slo_collector_series', 'hmac_kms_operations_total']) {
    assert.ok(!dropped(name), `${name} must be kept`);
  }

  const am = service('alertmanager');
  const amPort = Number((flagValue(am.command, '--web.listen-address') ?? ':9093').split(':').pop());
  const targets = (config.alerting.alertmanagers as any[]).flatMap((a) => a.static_configs.flatMap((s: any) => s.targets));
  assert.deepEqual(targets.map(hostPort), [{ host: 'alertmanager', port: amPort }]);
});

test('Alertmanager: amtool accepts the mounted config; it routes as the example does, to the webhook logger', () => {
  const am = service('alertmanager');
  const file = hostPath(am, flagValue(am.command, '--config.file') ?? '/etc/alertmanager/alertmanager.yml');
  assert.ok(file && existsSync(file), `alertmanager --config.file not mounted: ${file}`);
  const check = spawnSync('amtool', ['check-config', file], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(check.status, 0, `amtool check-config:\n${check.stdout}${check.stderr}`);
  assert.equal(flagValue(am.command, '--cluster.listen-address'), '', 'single instance: gossip off');

  const ours = readYaml(file);
  const example = readYaml(join(ROOT, 'alerts', 'alertmanager.yml'));
  // Same routing tree and inhibitions as the documented example; only the timings of the top route
  // (shorter, for a demo) and the receiver URLs differ.
  const tree = (r: any) => ({ ...r, group_wait: undefined, group_interval: undefined });
  assert.deepEqual(tree(ours.route), tree(example.route));
  assert.deepEqual(ours.inhibit_rules, example.inhibit_rules);
  assert.deepEqual(ours.receivers.map((r: any) => r.name), example.receivers.map((r: any) => r.name));

  const logger = service('webhook-logger');
  const loggerPort = Number(logger.environment?.PORT ?? 5001);
  for (const r of ours.receivers as any[]) {
    const exampleReceiver = example.receivers.find((e: any) => e.name === r.name);
    assert.equal(r.webhook_configs?.length ?? 0, exampleReceiver.webhook_configs?.length ?? 0, r.name);
    for (const w of r.webhook_configs ?? []) {
      assert.deepEqual(hostPort(w.url), { host: 'webhook-logger', port: loggerPort }, `${r.name} → the webhook logger`);
      assert.ok(new URL(w.url).pathname.endsWith(`/${r.name}`), `${r.name}: the path names the receiver`);
    }
  }
  const cases: [string[], string][] = [
    [['severity=critical', 'team=security'], 'security-page'],
    [['severity=critical', 'job=api'], 'page'],
    [['severity=warning', 'job=api'], 'ticket'],
  ];
  for (const [labels, receiver] of cases) {
    const run: SpawnSyncReturns<string> = spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${labels.join(' ')} → ${receiver}: ${run.stdout}${run.stderr}`);
  }
});

function grafanaFiles(): { provisioning: string; datasources: any[]; providers: any[] } {
  const grafana = service('grafana');
  const provisioning = hostPath(grafana, '/etc/grafana/provisioning');
  assert.ok(provisioning && statSync(provisioning).isDirectory(), 'provisioning mounted from the repository');
  const yamls = (sub: string) =>
    readdirSync(join(provisioning, sub))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => readYaml(join(provisioning, sub, f)));
  return {
    provisioning,
    datasources: yamls('datasources').flatMap((d) => d.datasources ?? []),
    providers: yamls('dashboards').flatMap((d) => d.providers ?? []),
  };
}

test('Grafana: datasources point at the stack, Prometheus is the fixed-uid default, exemplars link to traces', () => {
  const { datasources } = grafanaFiles();
  const defaults = datasources.filter((d) => d.isDefault);
  assert.equal(defaults.length, 1, 'exactly one default datasource');
  const prom = defaults[0];
  assert.equal(prom.type, 'prometheus');
  assert.match(prom.uid ?? '', /^[a-zA-Z0-9_-]{1,40}$/, 'a fixed uid');
  const promPort = Number((flagValue(service('prometheus').command, '--web.listen-address') ?? ':9090').split(':').pop());
  assert.deepEqual(hostPort(prom.url), { host: 'prometheus', port: promPort });

  const links = prom.jsonData?.exemplarTraceIdDestinations as any[];
  assert.ok(links?.length, 'exemplar trace links');
  for (const l of links) {
    assert.equal(l.name, 'trace_id', 'the exemplar label the collector writes');
    const target = datasources.find((d) => d.uid === l.datasourceUid);
    assert.ok(target, `exemplar link to a provisioned datasource (${l.datasourceUid})`);
    assert.equal(target.type, 'jaeger');
    assert.equal(hostPort(target.url).host, 'jaeger');
    service('jaeger');
  }
});

test('Grafana: dashboards are provisioned from dashboards/generated and use the provisioned datasource', () => {
  const grafana = service('grafana');
  const { datasources, providers } = grafanaFiles();
  assert.ok(providers.length > 0, 'a dashboard provider');
  const promUid = datasources.find((d) => d.isDefault).uid as string;
  for (const p of providers) {
    assert.equal(p.type, 'file');
    const dir = hostPath(grafana, p.options.path);
    assert.ok(dir, `${p.options.path} is not mounted`);
    assert.equal(dir, join(ROOT, 'dashboards', 'generated'));
    assert.ok(existsSync(dir) && statSync(dir).isDirectory(), `${dir} missing: run npm run generate`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 3, `the three dashboards in ${dir}, found ${files.join(', ')}`);
    for (const f of files) {
      const dashboard = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      const variable = (dashboard.templating?.list ?? []).find((v: any) => v.type === 'datasource');
      assert.ok(variable, `${f}: a datasource template variable`);
      assert.equal(variable.query, 'prometheus', `${f}: it lists Prometheus datasources`);
      // The variable starts on the default datasource unless the dashboard pins one; a pinned one
      // must be the provisioned uid.
      const current = variable.current?.value ?? variable.current?.uid;
      if (current && current !== 'default' && !String(current).startsWith('$')) assert.equal(current, promUid, `${f}: the variable's current datasource`);
      // Every panel and target datasource is the variable or the provisioned uid.
      const refs: any[] = [];
      const walk = (x: any) => {
        if (Array.isArray(x)) x.forEach(walk);
        else if (x && typeof x === 'object') {
          if (x.datasource && typeof x.datasource === 'object') refs.push(x.datasource);
          if (typeof x.datasource === 'string') refs.push({ uid: x.datasource });
          Object.values(x).forEach(walk);
        }
      };
      walk(dashboard.panels ?? []);
      assert.ok(refs.length > 0, `${f}: panels name their datasource`);
      for (const r of refs) {
        const uid = String(r.uid ?? '');
        assert.ok(uid === promUid || uid === `\${${variable.name}}` || uid === `$${variable.name}`, `${f}: datasource ${JSON.stringify(r)}`);
      }
    }
  }
});

test('the webhook logger prints each alert it receives with its receiver, status and labels', async () => {
  const logger = service('webhook-logger');
  const script = hostPath(logger, (logger.command as string[]).at(-1)!);
  assert.ok(script && existsSync(script), 'the logger script is mounted from the repository');
  // Port 0: the logger prints the port it bound, so no other process can take it in between.
  const child = spawn(process.execPath, [script], { env: childEnv({ PORT: '0' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    // Until it says so (or exits), by a deadline: node can take seconds to start on a loaded machine.
    for (const until = Date.now() + 20_000; !out.includes('listening') && child.exitCode === null && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    assert.ok(out.includes('listening'), `webhook-logger did not start (exit ${child.exitCode}): ${out}`);
    const port = Number(/listening on :(\d+)/.exec(out)?.[1]);
    assert.ok(port > 0, `the logger names its port: ${out}`);
    const body = {
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: 'HmacAuthRevokedKeyPresented', severity: 'critical', job: 'payments-api', hmac_key_id: 'k-old' }, annotations: { summary: 'A revoked HMAC key is still being presented.' } }],
    };
    const res = await fetch(`http://127.0.0.1:${port}/hmac-slo/security-page`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    for (const until = Date.now() + 5000; !out.includes('[security-page]') && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    assert.match(out, /\[security-page\] FIRING HmacAuthRevokedKeyPresented .*severity=critical.*job=payments-api.* — A revoked HMAC key/);
    const bad = await fetch(`http://127.0.0.1:${port}/hmac-slo/page`, { method: 'POST', body: 'not json' });
    assert.equal(bad.status, 400);
  } finally {
    child.kill('SIGKILL');
  }
});

export type { ComposeModel };

test('the collector reads its mounted config: failures link their trace IDs to the Jaeger UI the stack publishes', async () => {
  const { loadConfig } = await import('../../src/config/load.js');
  const collector = service('collector');
  const file = hostPath(collector, flagValue(collector.command, '--config') ?? '');
  assert.ok(file && existsSync(file), `collector --config is not mounted from the repository: ${file}`);
  const template = loadConfig(file).collector.traceUrlTemplate;
  const url = new URL(template.replace('{traceId}', '0af7651916cd43dd8448eb211c80319c'));
  // A browser on the host opens it: Jaeger's UI port as compose publishes it, on 127.0.0.1.
  const published = (service('jaeger').ports ?? []).map((p) => (typeof p === 'string' ? p : `${p.host_ip}:${p.published}:${p.target}`).replace(/\/tcp$/, ''));
  assert.ok(published.some((p) => p.endsWith(`:${url.port}:16686`) && p.startsWith(url.hostname)), `${template} is not Jaeger's published UI (${published.join(', ')})`);
  assert.equal(url.pathname, '/trace/0af7651916cd43dd8448eb211c80319c', "Jaeger's trace page");
});
