// The image's HEALTHCHECK: the process answers GET /healthz on its port (PORT, or the service's
// default). Plain node, because the slim base image has no curl.
const defaultPorts = { router: 3000, gateway: 3001, presence: 3002, push: 3003, webhooks: 3004, embedded: 3000 };
const port = process.env.PORT ?? defaultPorts[process.env.SERVICE ?? 'embedded'];
try {
  const answer = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
  process.exit(answer.ok ? 0 : 1);
} catch {
  process.exit(1);
}
