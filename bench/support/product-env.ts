/** The product's own settings from the benchmark's environment (RETENTION_*, ROUTER_*, APNS_*, ...), for the product's processes. */
export function productSettingsFromEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => /^(RETENTION|ROUTER|GATEWAY|PUSH|PRESENCE|WEBHOOK|APNS|FCM)_/.test(name)));
}
