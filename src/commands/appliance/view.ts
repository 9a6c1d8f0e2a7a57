import type { Appliance } from '../../domain/state';

/** An appliance as `appliance list|show --json` print it: where, as whom, which variable; never a secret. */
export function applianceView(a: Appliance) {
  return { id: a.id, name: a.name, url: a.url, server: new URL(a.url).host, user: a.user, passwordEnv: a.passwordEnv, caFile: a.caFile, createdAt: a.createdAt };
}
