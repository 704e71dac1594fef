// Secure by default: an API without any credential configured may listen on loopback only (like Redis' protected mode).
import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`: addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Why the API must not listen on `host` (null when it may): open (no GANFORGE_ADMIN_TOKEN, no API key) and bound to
 * an address other machines reach.
 */
export function exposureProblem(host: string, open: boolean): string | null {
  if (!open || isLoopback(host)) return null;
  return (
    `refusing to listen on ${host} without authentication: set GANFORGE_ADMIN_TOKEN (at least 32 characters, e.g. ` +
    '`openssl rand -hex 32`) and use it to create API keys, or bind to loopback with HOST=127.0.0.1'
  );
}

/** The start line's word on who may use the API. */
export const openModeNotice = (host: string) =>
  `authentication is off (no GANFORGE_ADMIN_TOKEN and no API keys): anyone who reaches ${host} may do anything; ` +
  'create a key (POST /keys) or set GANFORGE_ADMIN_TOKEN to turn it on';
