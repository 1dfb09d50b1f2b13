/**
 * exporter-toolkit's client_auth_type modes, each against no client certificate, one from an
 * untrusted CA and one from the configured CA; refusals are reported (for the tls_handshake count).
 * In-process: the modes the TLS handshake cannot enforce by itself are checked per connection.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createWebServer } from '../../src/collector/web-listener.js';
import { loadWebConfig, type ClientAuthType } from '../../src/collector/web-config.js';
import { tempDir } from '../support/collector.js';
import { makeTestCerts, type TestCerts } from './test-certs.js';
import { call } from './https-client.js';

let tmp: ReturnType<typeof tempDir>;
let certs: TestCerts;
before(() => {
  tmp = tempDir();
  mkdirSync(join(tmp.dir, 'certs'));
  certs = makeTestCerts(join(tmp.dir, 'certs'));
});
after(() => tmp?.cleanup());

const EXPECTED: Record<ClientAuthType, { none: boolean; rogue: boolean; trusted: boolean }> = {
  NoClientCert: { none: true, rogue: true, trusted: true },
  RequestClientCert: { none: true, rogue: true, trusted: true },
  RequireAnyClientCert: { none: false, rogue: true, trusted: true },
  VerifyClientCertIfGiven: { none: true, rogue: false, trusted: true },
  RequireAndVerifyClientCert: { none: false, rogue: false, trusted: true },
};

for (const [mode, expected] of Object.entries(EXPECTED) as [ClientAuthType, (typeof EXPECTED)[ClientAuthType]][]) {
  test(`client_auth_type ${mode}`, async () => {
    const file = join(tmp.dir, `web-${mode}.yml`);
    writeFileSync(file, ['tls_server_config:', '  cert_file: certs/server.crt', '  key_file: certs/server.key', `  client_auth_type: ${mode}`, '  client_ca_file: certs/ca.crt', ''].join('\n'));
    let refused = 0;
    const server = createWebServer(loadWebConfig(file), {}, (_req, res) => res.end('ok'), () => refused++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const attempt = async (cert?: string, key?: string) => {
        try {
          return (await call(url, { ca: certs.pem.ca, ...(cert ? { cert, key } : {}) })).status === 200;
        } catch {
          return false;
        }
      };
      const got = {
        none: await attempt(),
        rogue: await attempt(certs.pem.rogueCert, certs.pem.rogueKey),
        trusted: await attempt(certs.pem.clientCert, certs.pem.clientKey),
      };
      assert.deepEqual(got, expected);
      assert.equal(refused, Object.values(expected).filter((ok) => !ok).length);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
}
