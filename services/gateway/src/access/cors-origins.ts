/**
 * GATEWAY_CORS_ORIGINS as written: comma-separated origins (`https://app.example.com`, scheme, host
 * and port only), or `*` for any. Throws naming the first entry that is not an origin.
 */
export function parseCorsOrigins(value: string): string[] {
  const origins = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) throw new Error(`"${origin}" is not an origin (write scheme://host[:port], no path or trailing slash)`);
  }
  return origins;
}

/** Whether a page at `origin` may call the gateway (the `Origin` header a browser sends). */
export function originAllowed(origins: readonly string[], origin: string | undefined): boolean {
  return origin !== undefined && (origins.includes('*') || origins.includes(origin));
}
