// Minimal types for the parts of `hawk` (which ships none) the tests use.
declare module 'hawk' {
  interface Credentials { id?: string; key: string; algorithm: string; [k: string]: unknown }
  interface RequestLike { method: string; url: string; host: string; port: number; authorization?: string; contentType?: string }
  const Hawk: {
    client: {
      header(uri: string, method: string, options: Record<string, unknown>): { header: string; artifacts: Record<string, unknown> };
    };
    server: {
      authenticate(
        req: RequestLike | import('node:http').IncomingMessage,
        credentialsFunc: (id: string) => Credentials | null | undefined | Promise<Credentials | null | undefined>,
        options?: Record<string, unknown>,
      ): Promise<{ credentials: Credentials; artifacts: Record<string, unknown> }>;
    };
  };
  export default Hawk;
}
