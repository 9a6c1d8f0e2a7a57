/**
 * Long-running operations the way ARM runs them. The initial answer (201/202) carries
 * `Azure-AsyncOperation` (a status monitor: `{ status: InProgress|Running|Succeeded|Failed }`)
 * and/or `Location` (202 while running, then 200 with the result or 204), plus `Retry-After`.
 * The work (the side effect: create the resources, stop the VM…) happens when the operation
 * completes, after `polls` polls of either URL, so a test can see the in-between state.
 */
import { randomUUID } from 'node:crypto';
import { ArmError, ArmErrorBody } from './errors';
import type { FakeResponse } from './http';
import type { Faults, OperationFault } from './faults';

export type Monitor =
  /** Compute / Network: both headers, monitors under /providers/{ns}/locations/{loc}/. */
  | { kind: 'regional'; namespace: string; location: string }
  /** Resources deployments (PUT): Azure-AsyncOperation under the deployment. */
  | { kind: 'deployment'; resourceGroup: string; deploymentName: string }
  /** Location header only (deployment DELETE). */
  | { kind: 'operationResults' };

export interface LroSpec {
  monitor: Monitor;
  /** The request that started it (failOperation matches on these). */
  method: string;
  path: string;
  apiVersion: string;
  initialStatus: 200 | 201 | 202;
  initialBody?: unknown;
  /** Extra headers of the initial answer. */
  headers?: Record<string, string>;
  /** Status vocabulary while running: compute says InProgress, Resources says Running. */
  runningStatus?: 'InProgress' | 'Running' | 'Accepted';
  /** Put the result under `properties.output` of the status body (compute actions do). */
  outputInStatus?: boolean;
  /** The side effect; its return value is the operation's result (undefined → 204). */
  work: () => unknown | Promise<unknown>;
  /** Called when the operation ends Failed (after the work threw, or an injected failure). */
  onFailed?: (error: ArmErrorBody) => void;
}

export interface LroConfig {
  /** Polls before an operation completes (at least 1). */
  polls: number;
  retryAfterSeconds: number;
}

interface Operation {
  id: string;
  spec: LroSpec;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  pollsLeft: number;
  startTime: string;
  endTime?: string;
  result?: unknown;
  error?: ArmErrorBody;
  errorStatus?: number;
  fault?: OperationFault;
  completing?: Promise<void>;
}

export class LroEngine {
  private readonly ops = new Map<string, Operation>();
  /** Exceptions that were not ArmErrors (bugs in the fake or its callbacks). */
  readonly internalErrors: Error[] = [];

  constructor(
    private readonly deps: { baseUrl: () => string; subscriptionId: string; config: LroConfig; faults: Faults },
  ) {}

  start(spec: LroSpec): FakeResponse {
    const id = randomUUID();
    const op: Operation = {
      id,
      spec,
      status: 'InProgress',
      pollsLeft: Math.max(1, this.deps.config.polls),
      startTime: new Date().toISOString(),
      fault: this.deps.faults.takeOperationFault(spec.method, spec.path),
    };
    this.ops.set(id, op);
    const headers: Record<string, string> = { ...spec.headers, 'Retry-After': String(this.deps.config.retryAfterSeconds) };
    const urls = this.urls(op);
    if (urls.asyncOperation) headers['Azure-AsyncOperation'] = urls.asyncOperation;
    if (urls.location) headers.Location = urls.location;
    return { status: spec.initialStatus, body: spec.initialBody, headers };
  }

  has(id: string): boolean {
    return this.ops.has(id);
  }

  /** GET on the Azure-AsyncOperation URL. */
  async pollStatus(id: string): Promise<FakeResponse> {
    const op = await this.advance(id);
    const running = op.status === 'InProgress';
    const status = running ? (op.spec.runningStatus ?? 'InProgress') : op.status;
    const body: Record<string, unknown> = { name: op.id, status, startTime: op.startTime };
    if (op.endTime) body.endTime = op.endTime;
    if (op.error) body.error = op.error;
    if (op.status === 'Succeeded' && op.spec.outputInStatus && op.result !== undefined) {
      body.properties = { output: op.result };
    }
    return { status: 200, body, headers: running ? { 'Retry-After': String(this.deps.config.retryAfterSeconds) } : {} };
  }

  /** GET on the Location URL. */
  async pollResult(id: string): Promise<FakeResponse> {
    const op = await this.advance(id);
    if (op.status === 'InProgress') {
      const location = this.urls(op).location ?? '';
      return { status: 202, headers: { Location: location, 'Retry-After': String(this.deps.config.retryAfterSeconds) } };
    }
    if (op.status === 'Failed') return { status: op.errorStatus ?? 500, body: { error: op.error } };
    if (op.result !== undefined) return { status: 200, body: op.result };
    // Compute's monitor answers 200 with no body (arm-compute rejects a 204 there); ARM's operationresults 204.
    return { status: op.spec.monitor.kind === 'operationResults' ? 204 : 200 };
  }

  private async advance(id: string): Promise<Operation> {
    const op = this.ops.get(id);
    if (!op) throw new ArmError(404, 'OperationNotFound', `The operation '${id}' could not be found.`);
    if (op.status === 'InProgress' && !(op.fault?.heldUntil && !op.fault.heldUntil())) {
      op.pollsLeft -= 1;
      if (op.pollsLeft <= 0) {
        op.completing ??= this.complete(op);
      }
    }
    if (op.completing) await op.completing;
    return op;
  }

  private async complete(op: Operation): Promise<void> {
    try {
      if (op.fault && !op.fault.applyEffects) {
        throw injected(op.fault);
      }
      op.result = await op.spec.work();
      if (op.fault) throw injected(op.fault);
      op.status = 'Succeeded';
    } catch (err) {
      const armError = err instanceof ArmError ? err : this.internal(err);
      op.status = 'Failed';
      op.error = armError.toErrorBody();
      op.errorStatus = armError.status;
      try {
        op.spec.onFailed?.(op.error);
      } catch (cbErr) {
        this.internal(cbErr);
      }
    }
    op.endTime = new Date().toISOString();
  }

  private internal(err: unknown): ArmError {
    const e = err instanceof Error ? err : new Error(String(err));
    this.internalErrors.push(e);
    return new ArmError(500, 'InternalServerError', `The fake failed: ${e.message}`);
  }

  private urls(op: Operation): { asyncOperation?: string; location?: string } {
    const base = `${this.deps.baseUrl()}/subscriptions/${this.deps.subscriptionId}`;
    const v = `api-version=${encodeURIComponent(op.spec.apiVersion)}`;
    const m = op.spec.monitor;
    switch (m.kind) {
      case 'regional': {
        const root = `${base}/providers/${m.namespace}/locations/${encodeURIComponent(m.location)}`;
        if (m.namespace.toLowerCase() === 'microsoft.network') {
          return { asyncOperation: `${root}/operations/${op.id}?${v}`, location: `${root}/operationResults/${op.id}?${v}` };
        }
        const p = `p=${op.id.slice(0, 8)}`;
        return { asyncOperation: `${root}/operations/${op.id}?${p}&${v}`, location: `${root}/operations/${op.id}?${p}&monitor=true&${v}` };
      }
      case 'deployment':
        return {
          asyncOperation: `${base}/resourcegroups/${encodeURIComponent(m.resourceGroup)}/providers/Microsoft.Resources/deployments/${encodeURIComponent(m.deploymentName)}/operationStatuses/${op.id}?${v}`,
        };
      case 'operationResults':
        return { location: `${base}/operationresults/${op.id}?${v}` };
    }
  }
}

function injected(fault: OperationFault): ArmError {
  return new ArmError(
    500,
    fault.code ?? 'InternalExecutionError',
    fault.message ?? 'An internal execution error occurred. Please retry later. (injected fault)',
  );
}
