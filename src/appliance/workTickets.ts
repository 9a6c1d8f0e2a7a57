/**
 * The appliance's work tickets as elm's tasks. A ticket is read from QueryWorkTicketsAsPendingOp
 * with the active filter, then the completed one (`<Filter xsi:type="WorkTicketsQueryByActiveFilter"/>`,
 * the plugin's soap_helpers.go queryWorkTicketByFilter; OperationResult.WorkTickets.WorkTicketResult
 * with Id, State, TitleResourceId, ResourceArgs and WorkItems.WorkItemResult's State and Status).
 * Cancelling is CancelWorkTickets (ctxal-sdk stop-alworkticket.ps1: WorkTicketIds/long, Force).
 */
import { UsageError } from '../domain/errors';
import type { TaskState } from '../domain/vocabulary';
import { child, children, text, textOf, type XmlNode } from './envelope';
import type { ApplianceSession } from './session';

export interface TicketTask {
  id: string;
  kind: string;
  state: TaskState | string;
  description: string;
}

const FILTERS = ['WorkTicketsQueryByActiveFilter', 'WorkTicketsQueryByCompletedFilter'];

/** Titles of the tickets the layer flow starts (soap_helpers.go operationToWorkTicket) as elm's task kinds. */
const KINDS: Record<string, string> = {
  CreatePlatformLayerWorkTicketDescription: 'CreatePackagingDisk',
  CreatePlatformLayerRevisionWorkTicketDescription: 'CreatePackagingDisk',
  // FinalizeLayerRevision's ticket title, after the same pattern (inferred).
  FinalizeLayerRevisionWorkTicketDescription: 'Finalize',
};

/** The appliance's ticket state in elm's words; the names beside ActionRequired are inferred. */
function taskState(s: string): string {
  const known: Record<string, string> = { Completed: 'Complete', Cancelled: 'Canceled', Cancelling: 'Canceling' };
  return known[s] ?? s;
}

/**
 * The newest packaging-disk ticket of a layer: the plugin's GetWorkTicketId matches a ticket by its
 * title and its first ResourceArgs string, the layer's name (soap_helpers.go); active ones first.
 */
export async function findPackagingTicket(s: ApplianceSession, layerName: string): Promise<TicketTask | undefined> {
  for (const filter of FILTERS) {
    const result = await s.call({ operation: 'QueryWorkTicketsAsPendingOp', wrapper: 'query', fields: { Filter: { '@_xsi:type': filter } } });
    const mine = children(child(child(result, 'OperationResult'), 'WorkTickets'), 'WorkTicketResult').filter(
      (t) => KINDS[textOf(t, 'TitleResourceId')] === 'CreatePackagingDisk' && text(children(child(t, 'ResourceArgs'), 'string')[0]) === layerName,
    );
    const newest = mine.sort((a, b) => Number(textOf(b, 'Id')) - Number(textOf(a, 'Id')))[0];
    if (newest) return toTask(newest);
  }
  return undefined;
}

export async function queryTicket(s: ApplianceSession, id: string): Promise<TicketTask> {
  if (!/^\d+$/.test(id) || id === '0') throw new UsageError(`Task "${id}" is not a work ticket id of the appliance (a number, see the appliance's Tasks view).`);
  for (const filter of FILTERS) {
    const result = await s.call({ operation: 'QueryWorkTicketsAsPendingOp', wrapper: 'query', fields: { Filter: { '@_xsi:type': filter } } });
    const tickets = children(child(child(result, 'OperationResult'), 'WorkTickets'), 'WorkTicketResult');
    const found = tickets.find((t) => textOf(t, 'Id') === id);
    if (found) return toTask(found);
  }
  throw new UsageError(`The appliance has no task ${id}; see its Tasks view in the management console.`);
}

function toTask(t: XmlNode): TicketTask {
  const title = textOf(t, 'TitleResourceId');
  const items = children(child(t, 'WorkItems'), 'WorkItemResult');
  const waiting = items.find((i) => textOf(i, 'State') === 'ActionRequired');
  const args = children(child(t, 'ResourceArgs'), 'string').map(text).filter(Boolean);
  const status = textOf(waiting, 'Status') || [...items].reverse().map((i) => textOf(i, 'Status')).find(Boolean) || '';
  return { id: textOf(t, 'Id'), kind: KINDS[title] ?? title, state: taskState(textOf(t, 'State')), description: status || [title, ...args].join(' ') };
}

export async function cancelTicket(s: ApplianceSession, id: string): Promise<void> {
  await s.call({ operation: 'CancelWorkTickets', wrapper: 'command', fields: { WorkTicketIds: { long: [id] }, Force: false } });
}
