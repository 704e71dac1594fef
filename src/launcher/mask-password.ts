// Secrets stay out of the log: a URL's password (Redis' requirepass, an S3 key in a URL) becomes ***.
export function maskPassword(raw: string): string {
  try {
    const url = new URL(raw);
    if (!url.password) return raw;
    url.password = '***';
    return url.href;
  } catch {
    return raw.replace(/:[^:@/]*@/, ':***@');
  }
}
