/**
 * Sign-in failures that say why. A chained credential (DefaultAzureCredential) fails with one
 * AggregateAuthenticationError whose first line is only "ChainedTokenCredential authentication
 * failed."; the reason of each credential it tried is in `errors`. A network failure from MSAL
 * ("endpoints_resolution_error", "network_error") does not name the host it could not reach.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth' with { 'resolution-mode': 'import' };
import { redactSecrets } from './errors';

const NETWORK = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|network_error|endpoints_resolution_error|Network request failed|getaddrinfo|fetch failed|socket hang up|certificate|self[- ]signed/i;

const firstLine = (text: string) => (redactSecrets(text).split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One line: each credential's reason for a chain, the host for a network failure. */
export function explainSignIn(e: unknown, authorityHost: string): string {
  const errors = (e as { errors?: unknown[] } | undefined)?.errors;
  if ((e as Error | undefined)?.name === 'AggregateAuthenticationError' && Array.isArray(errors) && errors.length > 0) {
    const reasons = errors.map((x) => firstLine(messageOf(x)));
    return `Sign-in failed with every credential of the chain (${reasons.length}): ${reasons.join(' | ')}`;
  }
  const text = firstLine(messageOf(e)) || 'unknown error';
  const code = (e as { code?: unknown } | undefined)?.code;
  if (NETWORK.test(text) || (typeof code === 'string' && NETWORK.test(code))) {
    return `Sign-in could not reach the authority ${new URL(authorityHost).host} (${text}); check the network, proxy and --authority-host.`;
  }
  return `Sign-in failed: ${text}`;
}

/** The credential with its failures explained (every SDK client and connector test see the same). */
export function explainedCredential(inner: TokenCredential, authorityHost: string): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        return await inner.getToken(scopes, options);
      } catch (e) {
        const err = new Error(explainSignIn(e, authorityHost));
        err.name = 'SignInError';
        throw err;
      }
    },
  };
}
