/**
 * The one place tests start a real Alertmanager (`runAlertmanager`, port 0, ready before it resolves).
 * For the end-to-end test it is configured from the stack's
 * deploy/alertmanager/alertmanager.yml (the routing and inhibitions of alerts/alertmanager.yml) with its
 * webhook receivers pointed at an HTTP server inside the test, and group timings shortened to match a
 * compressed timeline. The server records every notification: which receiver, when, which alerts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Children, readyUrl, ROOT, type Child } from './processes.js';

export interface ReceivedAlert {
  receiver: string;
  receivedAt: number;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  startsAt: string;
}

/** The webhook receiver: Alertmanager posts here, one path per receiver (…/page, …/ticket, …). */
export class WebhookReceiver {
  readonly alerts: ReceivedAlert[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const name = (req.url ?? '/').split('/').filter(Boolean).pop() ?? '?';
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; startsAt: string }[] };
          const at = Date.now();
          for (const a of body.alerts) receiver!.alerts.push({ receiver: name, receivedAt: at, status: a.status, labels: a.labels, startsAt: a.startsAt });
          res.writeHead(200).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    return receiver;
  }

  firing(): ReceivedAlert[] {
    return this.alerts.filter((a) => a.status === 'firing');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** deploy/alertmanager/alertmanager.yml, receivers → `webhookBase`, group timings → `groupTiming`. */
export function alertmanagerConfig(webhookBase: string, groupTiming: string): Record<string, unknown> {
  const base = parse(readFileSync(join(ROOT, 'deploy', 'alertmanager', 'alertmanager.yml'), 'utf8')) as Record<string, any>;
  return {
    ...base,
    route: { ...base.route, group_wait: groupTiming, group_interval: groupTiming, repeat_interval: '1h' },
    receivers: (base.receivers as any[]).map((r) => ({
      ...r,
      ...(r.webhook_configs
        ? { webhook_configs: r.webhook_configs.map((w: any) => ({ ...w, url: `${webhookBase}${new URL(w.url).pathname}`, send_resolved: true })) }
        : {}),
    })),
  };
}

/** The stack's Alertmanager (`alertmanagerConfig`) with its receivers at `webhookBase`. */
export function startAlertmanager(children: Children, dir: string, webhookBase: string, groupTiming = '1s'): Promise<{ url: string; hostPort: string; child: Child }> {
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, stringify(alertmanagerConfig(webhookBase, groupTiming)));
  return runAlertmanager(children, file, dir);
}

/**
 * Any Alertmanager: `configFile`, its storage under `dir`, no cluster, on a port the OS picks (read
 * back from its log); resolves once `/-/ready` answers.
 */
export async function runAlertmanager(children: Children, configFile: string, dir: string): Promise<{ url: string; hostPort: string; child: Child }> {
  const child = children.spawn('alertmanager', 'prometheus-alertmanager', [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'alertmanager')}`,
    '--web.listen-address=127.0.0.1:0',
    '--cluster.listen-address=',
  ]);
  const url = await readyUrl(child);
  return { url, hostPort: new URL(url).host, child };
}
