/**
 * For end-to-end tests of one alert: a config file, the rules `hmac-slo generate` renders for it
 * (with its `timeScale`), and a real collector reading the same config, in a temporary directory
 * cleaned up (with every child process) after the file's tests. Prometheus and Alertmanager come
 * from test/support as usual; their `dir` is `dir` here.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_CLI, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { Children, OUTPUT_DIR } from '../support/processes.js';

export interface RulesAndCollector {
  readonly children: Children;
  readonly dir: string;
  readonly collector: CollectorProcess;
  /** The generated recording rules and alerts, for `Prometheus.start({ ruleFiles })`. */
  readonly ruleFiles: readonly string[];
}

/** Registers the cleanup at once; call `start` inside the test. */
export function rulesAndCollector(name: string): { children: Children; dir: string; start(configYaml: string, timeScale: number): Promise<RulesAndCollector> } {
  const children = new Children(join(OUTPUT_DIR, name));
  const tmp = tempDir();
  let collector: CollectorProcess | undefined;
  // The pushers and Prometheus (children) and the collector stop together; then the directory goes.
  after(() => Promise.all([children.killAll(), collector?.stop()]).then(() => tmp.cleanup()));
  return {
    children,
    dir: tmp.dir,
    async start(configYaml, timeScale) {
      const config = join(tmp.dir, 'hmac-slo.yaml');
      writeFileSync(config, configYaml);
      const out = join(tmp.dir, 'generated');
      const gen = children.spawn('generate', process.execPath, [...SOURCE_CLI, 'generate', '--config', config, '--time-scale', String(timeScale), '--out', out]);
      mkdirSync(join(tmp.dir, 'state'));
      collector = await startCollector({ dir: join(tmp.dir, 'state'), configYaml });
      const ruleFiles = [join(out, 'prometheus', 'rules.yaml'), join(out, 'prometheus', 'alerts.yaml')];
      assert.equal((await gen.exited).code, 0, gen.output());
      assert.ok(ruleFiles.every((f) => existsSync(f)));
      return { children, dir: tmp.dir, collector, ruleFiles };
    },
  };
}
