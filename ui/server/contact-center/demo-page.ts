const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The demo customer page `npm start` serves at /demo: a made-up company's site with the widget,
 * as a visitor or as a signed-in CRM customer (the VIP's token names their account manager).
 */
export function demoPage(queues: { id: string; name: string }[], customers: { name: string; segment: string; token: string }[]): string {
  return `<!doctype html>
<html lang="fi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo Oy — asiakkaan sivu</title>
<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:2rem auto;padding:0 1rem;line-height:1.5}a.chosen{font-weight:700}</style>
</head>
<body>
<h1>Demo Oy</h1>
<p>This is a company's own web page with the contact center's chat widget on it. Choose a service and who you are,
then press <b>Chat</b> in the corner. Agents answer at <a href="/agent">/agent</a> (agent1…agent10, password <code>demo-password</code>).</p>
<p>Service: ${queues.map((q) => `<a data-testid="queue-link" href="?queue=${escape(q.id)}" data-queue="${escape(q.id)}">${escape(q.name)}</a>`).join(' · ')}</p>
<p>You are: <a href="?" data-customer="">an anonymous visitor</a> · ${customers
    .map((c, i) => `<a data-customer="${i}" href="?customer=${i}">${escape(c.name)} (${escape(c.segment)}, signed token)</a>`)
    .join(' · ')}</p>
<script>
  const queues = ${JSON.stringify(queues)};
  const tokens = ${JSON.stringify(customers.map((c) => c.token))};
  const params = new URLSearchParams(location.search);
  const queue = params.get('queue') || (queues.find((q) => q.name === 'Verkkokauppa') || queues[0]).id;
  const customer = params.get('customer');
  for (const a of document.querySelectorAll('a[data-queue]')) {
    const url = new URL(a.href); if (customer) url.searchParams.set('customer', customer); a.href = url.toString();
    if (a.dataset.queue === queue) a.className = 'chosen';
  }
  for (const a of document.querySelectorAll('a[data-customer]')) {
    const url = new URL(a.href); url.searchParams.set('queue', queue); a.href = url.toString();
    if ((a.dataset.customer || null) === customer) a.className = 'chosen';
  }
  const s = document.createElement('script');
  s.src = '/widget.js';
  s.dataset.queue = queue;
  s.dataset.language = params.get('lang') || 'fi';
  if (customer !== null && tokens[Number(customer)]) s.dataset.token = tokens[Number(customer)];
  document.body.appendChild(s);
</script>
</body>
</html>`;
}
