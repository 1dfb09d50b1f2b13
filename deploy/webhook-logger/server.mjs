// A stand-in pager for the docker-compose stack: Alertmanager's webhook receivers post here and every
// alert is printed as one line (`docker-compose logs -f webhook-logger`), e.g.
//   [page] FIRING HmacAuthSignatureMismatchSpike severity=critical job=payments-api — Signature mismatches…
// The path names the receiver (/hmac-slo/page, /hmac-slo/security-page, /hmac-slo/ticket).
// Plain Node.js, no dependencies, so the stack runs it on the stock node image.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 5001);
const MAX_BODY = 1024 * 1024;

function describe(receiver, alert) {
  const labels = alert.labels ?? {};
  const shown = Object.entries(labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const summary = alert.annotations?.summary ? ` — ${alert.annotations.summary}` : '';
  return `[${receiver}] ${String(alert.status ?? '').toUpperCase()} ${labels.alertname ?? '?'} ${shown}${summary}`;
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(req.url === '/healthz' ? 200 : 405).end();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    const receiver = (req.url ?? '/').split('/').filter(Boolean).pop() ?? 'unknown';
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const alert of body.alerts ?? []) console.log(describe(receiver, alert));
      res.writeHead(200).end();
    } catch (err) {
      console.error(`[${receiver}] unreadable notification: ${err.message}`);
      res.writeHead(400).end();
    }
  });
});
server.listen(port, '0.0.0.0', () => console.log(`webhook-logger listening on :${server.address().port}`));
