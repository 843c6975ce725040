// The part of workerd's `cloudflare:workers` module these tests use
// (@cloudflare/workers-types is not installed: its globals clash with the DOM lib).
declare module 'cloudflare:workers' {
  export const exports: {
    default: { fetch(request: Request): Promise<Response>; scheduled(options: { cron: string; scheduledTime?: Date }): Promise<unknown> };
  };
  export const env: { ASSETS: { fetch(request: Request): Promise<Response> } };
}
