/**
 * Fault injection for the vCenter fake: answer a matching request with an error status, or drop
 * the connection (at once, or after N bytes of the request body / response body).
 *
 * A rule's `path` is a RegExp tested against `pathname + search`, or a string that matches when it
 * equals the pathname or is a prefix of `pathname + search`. Rules are tried in the order they
 * were added; each fires `times` times (default 1; `Infinity` for ever).
 */
export interface FailSpec {
  method?: string;
  path: RegExp | string;
  status: number;
  times?: number;
  /** Response body; default: the vAPI error document (text for /folder and /guestFile). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface DropSpec {
  method?: string;
  path: RegExp | string;
  times?: number;
  /**
   * Without it the connection is destroyed as soon as the request arrives. With it: for a request
   * that carries a body (PUT/POST), after that many body bytes were received; otherwise after that
   * many response body bytes were sent.
   */
  afterBytes?: number;
}

/** The work is done but its answer withheld (a client killed while vCenter finished its request). */
export interface HoldSpec {
  method?: string;
  path: RegExp | string;
  times?: number;
}

export type FaultRule =
  | ({ kind: 'fail'; remaining: number } & FailSpec)
  | ({ kind: 'drop'; remaining: number } & DropSpec)
  | ({ kind: 'hold'; remaining: number } & HoldSpec);

export class Faults {
  private rules: FaultRule[] = [];

  fail(spec: FailSpec): void {
    this.rules.push({ ...spec, kind: 'fail', remaining: spec.times ?? 1 });
  }

  drop(spec: DropSpec): void {
    this.rules.push({ ...spec, kind: 'drop', remaining: spec.times ?? 1 });
  }

  hold(spec: HoldSpec): void {
    this.rules.push({ ...spec, kind: 'hold', remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** Rules that still have shots left. */
  pending(): FaultRule[] {
    return this.rules.filter((r) => r.remaining > 0);
  }

  /** The first rule matching the request, consuming one of its shots. */
  take(method: string, pathname: string, search: string): FaultRule | undefined {
    const full = pathname + search;
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      const hit = typeof rule.path === 'string'
        ? pathname === rule.path || full.startsWith(rule.path)
        : new RegExp(rule.path.source, rule.path.flags.replace('g', '')).test(full);
      if (!hit) continue;
      rule.remaining -= 1;
      return rule;
    }
    return undefined;
  }
}
