/**
 * A local HTTPS fake of the App Layering appliance's SOAP API (POST /Unidesk.Web/API.asmx), as
 * strict as the appliance about what elm sends: envelopes are checked by envelope.ts against
 * operations.ts, every call but Login needs the session token, sessions expire, and refusals are
 * the appliance's (a result's Error with its ErrorMessageId). It records every request.
 * The certificate comes from a throw-away CA (test/support/azure/certs.ts): spawned processes trust
 * it with NODE_EXTRA_CA_CERTS or `appliance add --ca-file`, or see it untrusted without either.
 */
import { randomBytes } from 'node:crypto';
import * as https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { testCerts } from '../azure/certs';
import { applicationError, faultEnvelope, readRequest, resultEnvelope, SoapFault, type ParsedRequest } from './envelope';
import { connectorConfigsAnswer, DEFAULT_PLATFORM_TYPES, platformRefusal, platformTypesAnswer, type FakeConnector, type PlatformType } from './platformChoices';

export const API_PATH = '/Unidesk.Web/API.asmx';
/** The cookie the Login answer sets (its name is inferred; the plugin's HeaderCaptureTransport resends the first Set-Cookie). */
export const SESSION_COOKIE = 'UMSESSIONID';

export interface Item {
  id: string;
  name: string;
}

/** A layer with its versions (Revisions.<Kind>LayerRevisionDetail: Id, DisplayedVersion, State; ctxal-sdk README). */
export interface LayerItem extends Item {
  description?: string;
  iconId?: string;
  revisions?: Revision[];
}

/**
 * A layer version. `finalizeTicket` is the FinalizeLayerRevision ticket working on it: while it
 * runs the version is Finalizing, once Complete Deployable, and Finalizable again when it fails or
 * is cancelled (the console's states; that a failed finalize leaves it Finalizable is inferred).
 */
export interface Revision {
  id: string;
  version: string;
  state: string;
  /** Where its packaging disk is (QueryLayerInstallDisk's answer). */
  disk?: { uncPath: string; name: string };
  finalizeTicket?: string;
  /** What the create command gave it: RevisionInfo.LayerSizeMiB, OsLayerRevisionId and the platform type ids. */
  sizeMiB?: number;
  osRevisionId?: string;
  platform?: { hypervisor?: string; provisioning?: string; broker?: string };
}

/**
 * A work ticket and the states it goes through (WorkTicketResult: Id, State, TitleResourceId,
 * ResourceArgs, WorkItems.WorkItemResult with State and Status; the plugin's soap_helpers.go).
 * Each step starts `atMs` after the ticket was added; the Status of an ActionRequired step is the
 * text the operator acts on (the plugin reads the packaging machine's address from it).
 */
export interface TicketSpec {
  id: string;
  title: string;
  args?: string[];
  steps: { state: string; status?: string; atMs: number }[];
}

interface Ticket extends TicketSpec {
  addedAt: number;
  canceledAt?: number;
}

const TERMINAL = ['Complete', 'Failed', 'Canceled'];

export interface ApplianceFakeOptions {
  /** Management console users: name → password. */
  users?: Record<string, string>;
  version?: string;
  fileShares?: (Item & { path: string })[];
  connectors?: FakeConnector[];
  /** The platform types QueryPlatformTypes lists (default: the stock ones). */
  platformTypes?: PlatformType[];
  osLayers?: LayerItem[];
  platformLayers?: LayerItem[];
  iconIds?: string[];
  workTickets?: TicketSpec[];
  /** How long a session lives after its last use (default one hour). */
  sessionTtlMs?: number;
  /** A test knob: a session ends after serving this many calls (the appliance's timeout, passed mid-command). */
  sessionCalls?: number;
  /**
   * The steps of the work ticket CreatePlatformLayer starts (default: Running, then ActionRequired
   * with the packaging disk's location after 600 ms); `{disk}` in a status is the disk's path.
   */
  createTicketSteps?: TicketSpec['steps'];
  /** The steps of the ticket FinalizeLayerRevision starts (default: Running, then Complete after 600 ms). */
  finalizeTicketSteps?: TicketSpec['steps'];
}

export interface RecordedRequest {
  operation?: string;
  headers: IncomingHttpHeaders;
  body: string;
  status?: number;
  fault?: string;
  /** The ErrorMessageId of a refusal. */
  refused?: string;
  /** The request's fields as the fake read them ("Parent.Child" for nested ones); not kept for Login. */
  fields?: Record<string, string>;
  at: Date;
}

interface Session {
  user: string;
  cookie: string;
  lastUsed: number;
  calls: number;
}

export class ApplianceFake {
  readonly requests: RecordedRequest[] = [];
  readonly caCertPath: string;
  private readonly sessions = new Map<string, Session>();
  private readonly server: https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly tickets: Ticket[] = [];
  /** Accept connections but never answer (an appliance that hangs). */
  stalled = false;
  port = 0;

  constructor(readonly opts: ApplianceFakeOptions = {}) {
    const certs = testCerts();
    this.caCertPath = certs.caCertPath;
    for (const t of opts.workTickets ?? []) this.addTicket(t);
    this.server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => void this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Every session ends, as when the appliance's session timeout passes. */
  expireSessions(): void {
    this.sessions.clear();
  }

  addTicket(t: TicketSpec): void {
    this.tickets.push({ ...t, addedAt: Date.now() });
  }

  /** The ticket's step now: the last one whose time has come; a cancelled ticket is Canceling once, then Canceled. */
  ticketStep(t: Ticket): { state: string; status?: string } {
    if (t.canceledAt !== undefined) return Date.now() - t.canceledAt < 50 ? { state: 'Canceling', status: 'Canceling' } : { state: 'Canceled', status: 'Canceled by the administrator' };
    const elapsed = Date.now() - t.addedAt;
    return [...t.steps].reverse().find((s) => s.atMs <= elapsed) ?? { state: 'Pending' };
  }

  calls(operation: string): RecordedRequest[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const record: RecordedRequest = { headers: req.headers, body, at: new Date() };
    this.requests.push(record);
    if (this.stalled) return; // the socket stays open, unanswered
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== API_PATH) return send(res, record, 404, 'text/html', '<html><body>Not Found</body></html>');
    // SOAP 1.1 over ASMX: text/xml only (a SOAP 1.2 content type is another binding).
    if (!String(req.headers['content-type'] ?? '').startsWith('text/xml')) return send(res, record, 415, 'text/plain', 'Unsupported Media Type');
    let parsed: ParsedRequest;
    try {
      parsed = readRequest(body, String(req.headers.soapaction ?? ''));
    } catch (e) {
      if (!(e instanceof SoapFault)) throw e;
      record.fault = e.message;
      return send(res, record, 500, 'text/xml; charset=utf-8', faultEnvelope(e));
    }
    record.operation = parsed.operation;
    if (parsed.operation !== 'Login') record.fields = parsed.fields;
    const answer = parsed.operation === 'Login' ? this.login(parsed, res) : this.authenticated(req, parsed);
    const refused = (answer as { Error?: { MessageId?: string } }).Error?.MessageId;
    if (refused) record.refused = refused;
    send(res, record, 200, 'text/xml; charset=utf-8', resultEnvelope(parsed.operation, answer));
  }

  private login(req: ParsedRequest, res: ServerResponse): Record<string, unknown> {
    const users = this.opts.users ?? { administrator: 'Unidesk1' };
    if (users[req.fields.UserName] === undefined || users[req.fields.UserName] !== req.fields.Password)
      return applicationError('InvalidCredentials', 'The user name or password is incorrect.');
    const token = randomBytes(24).toString('base64url');
    const cookie = `${SESSION_COOKIE}=${randomBytes(12).toString('hex')}`;
    this.sessions.set(token, { user: req.fields.UserName, cookie, lastUsed: Date.now(), calls: 0 });
    res.setHeader('Set-Cookie', `${cookie}; path=/; secure; HttpOnly`);
    return { UserId: '1', LoginName: req.fields.UserName, FullName: req.fields.UserName, Token: token };
  }

  /** Every other call: the UNIDESK_TOKEN header (ctxal-sdk sends it on each call after Connect-ALsession) of a live session. */
  private authenticated(req: IncomingMessage, parsed: ParsedRequest): Record<string, unknown> {
    const token = String(req.headers.unidesk_token ?? '');
    if (!token) return applicationError('NotAuthenticated', 'The request has no session token.');
    const session = this.sessions.get(token);
    const ttl = this.opts.sessionTtlMs ?? 3_600_000;
    if (!session || Date.now() - session.lastUsed > ttl || session.calls >= (this.opts.sessionCalls ?? Infinity)) {
      this.sessions.delete(token);
      return applicationError('InvalidSession', 'The session is not valid or has expired.');
    }
    session.lastUsed = Date.now();
    session.calls += 1;
    return this.answer(parsed);
  }

  /** The active filter lists tickets still working or waiting; the completed one those that ended. */
  private ticketsAnswer(completed: boolean): Record<string, unknown> {
    const listed = this.tickets.filter((t) => TERMINAL.includes(this.ticketStep(t).state) === completed);
    const WorkTicketResult = listed.map((t) => {
      const step = this.ticketStep(t);
      return {
        Id: t.id,
        State: step.state,
        TitleResourceId: t.title,
        ResourceArgs: { string: t.args ?? [] },
        WorkItems: { WorkItemResult: [{ Id: `${t.id}1`, ItemType: 'Task', State: step.state, Status: step.status ?? '' }] },
      };
    });
    return { OperationResult: { WorkTickets: { WorkTicketResult } } };
  }

  /** CancelWorkTickets: an unknown id is WorkTicketNotFound; a ticket that already ended stays as it is (inferred). */
  private cancel(ids: string[]): Record<string, unknown> {
    for (const id of ids) {
      const t = this.tickets.find((x) => x.id === id);
      if (!t) return applicationError('WorkTicketNotFound', `Work ticket ${id} was not found.`);
      if (!TERMINAL.includes(this.ticketStep(t).state)) t.canceledAt = Date.now();
    }
    return {};
  }

  /**
   * CreatePlatformLayer: the layer and its first version (Editing) are recorded and a work ticket
   * creates the packaging disk. The answer is CreatePlatformLayerResult (CreateLayerResult:
   * WorkTicketId, LayerSummary; elm_client.go). The refusals' ids are the WSDL's ErrorMessageId
   * values; which one the appliance picks for each case, and its words, are inferred.
   */
  private createPlatformLayer(f: Record<string, string>): Record<string, unknown> {
    const o = this.opts;
    const name = f['LayerInfo.Name'];
    const layers = (o.platformLayers ??= []);
    // A second platform layer of the same name (any case) is refused, as the console refuses it.
    if (layers.some((l) => l.name.toLowerCase() === name.toLowerCase())) return applicationError('DuplicateName', `A layer with the name '${name}' already exists.`);
    const osKnown = (o.osLayers ?? []).some((l) => (l.revisions ?? []).some((r) => r.id === String(Number(f.OsLayerRevisionId))));
    if (!osKnown) return applicationError('OsLayerRevisionNotFound', `OS layer version ${f.OsLayerRevisionId} was not found.`);
    const connector = (o.connectors ?? []).find((c) => c.id === f.PlatformConnectorConfigId);
    if (!connector) return applicationError('PlatformConnectorNotFound', `Platform connector configuration ${f.PlatformConnectorConfigId} was not found.`);
    const refusal = platformRefusal(f, o.platformTypes ?? DEFAULT_PLATFORM_TYPES, connector);
    if (refusal) return refusal;
    const share = (o.fileShares ?? []).find((s) => s.id === String(Number(f.SelectedFileShare)));
    if (!share) return applicationError('RemoteFileShareNotFound', `File share ${f.SelectedFileShare} was not found.`);
    if (f['LayerInfo.IconId'] !== undefined && o.iconIds && !o.iconIds.includes(String(Number(f['LayerInfo.IconId']))))
      return applicationError('ItemNotFound', `Icon ${f['LayerInfo.IconId']} was not found.`);
    const id = String(1000 + layers.length + 1);
    const revision: Revision = { id: `${id}1`, version: f['RevisionInfo.Name'], state: 'Editing', disk: packagingDisk(share.path, f), ...createdRevision(f) };
    layers.push({ id, name, description: f['LayerInfo.Description'] ?? '', iconId: f['LayerInfo.IconId'], revisions: [revision] });
    const ticketId = this.packagingTicket('CreatePlatformLayerWorkTicketDescription', name, revision.disk!);
    return { WorkTicketId: ticketId, LayerSummary: { Id: id, Name: name } };
  }

  /** The work ticket that makes a packaging disk; `{disk}` in a step's status is its path. */
  private packagingTicket(title: string, layerName: string, disk: { uncPath: string; name: string }): string {
    const path = `${disk.uncPath}\\${disk.name}`;
    const steps = this.opts.createTicketSteps ?? [
      { state: 'Running', status: 'Creating the packaging disk', atMs: 0 },
      { state: 'ActionRequired', status: 'The packaging disk is ready: {disk}. Attach it to a packaging machine, install the software, then finalize the layer.', atMs: 600 },
    ];
    const ticketId = String(5000 + this.tickets.length + 1);
    this.addTicket({ id: ticketId, title, args: [layerName], steps: steps.map((s) => ({ ...s, status: s.status?.replace('{disk}', path) })) });
    return ticketId;
  }

  /** The version's state now: a finalize ticket working on it decides it (see Revision). */
  revisionState(r: Revision): string {
    const t = r.finalizeTicket ? this.tickets.find((x) => x.id === r.finalizeTicket) : undefined;
    if (!t) return r.state;
    const state = this.ticketStep(t).state;
    if (state === 'Complete') return 'Deployable';
    if (state === 'Failed' || state === 'Canceled') return 'Finalizable';
    return 'Finalizing';
  }

  private findRevision(id: string): { layer: LayerItem; revision: Revision } | undefined {
    for (const layer of this.opts.platformLayers ?? []) {
      const revision = (layer.revisions ?? []).find((r) => r.id === String(Number(id)));
      if (revision) return { layer, revision };
    }
    return undefined;
  }

  /**
   * QueryLayerInstallDisk: where the packaging disk of the layer's version being edited is
   * (ctxal-sdk get-allayerinstalldisk.ps1 reads .DiskUncPath and .DiskName from it; the element
   * names' case and the refusal for a layer with no such version are inferred).
   */
  private installDisk(layerId: string): Record<string, unknown> {
    const layer = (this.opts.platformLayers ?? []).find((l) => l.id === String(Number(layerId)));
    const editing = layer?.revisions?.find((r) => ['Editing', 'Finalizable'].includes(this.revisionState(r)));
    if (!layer || !editing) return applicationError('ItemNotFound', `Layer ${layerId} has no version with a packaging disk.`);
    const disk = editing.disk ?? { uncPath: `${this.opts.fileShares?.[0]?.path ?? '\\\\files'}\\Unidesk\\Packaging Disks`, name: `${layer.name}.vhd` };
    return { DiskUncPath: disk.uncPath, DiskName: disk.name };
  }

  /**
   * FinalizeLayerRevision: only a Finalizable version is finalized. The appliance refuses any other
   * with its RevisionNotFinalizable ErrorMessageId (the WSDL's enumeration, elm_client.go); a version
   * becomes Finalizable once its packaging machine was shut down (ctxal-sdk invoke-allayerfinalize.ps1's
   * example picks the version whose state is "Finalizable"). The words are inferred.
   */
  private finalize(f: Record<string, string>): Record<string, unknown> {
    const found = this.findRevision(f.LayerRevisionId);
    if (!found) return applicationError('ItemNotFound', `Layer version ${f.LayerRevisionId} was not found.`);
    const state = this.revisionState(found.revision);
    if (state !== 'Finalizable')
      return applicationError('RevisionNotFinalizable', `The layer version cannot be finalized while it is ${state}; shut down the packaging machine first.`);
    if (!(this.opts.fileShares ?? []).some((s) => s.id === String(Number(f.SelectedFileShare)))) return applicationError('RemoteFileShareNotFound', `File share ${f.SelectedFileShare} was not found.`);
    const steps = this.opts.finalizeTicketSteps ?? [
      { state: 'Running', status: 'Finalizing the layer', atMs: 0 },
      { state: 'Complete', status: 'The layer was finalized', atMs: 600 },
    ];
    const ticketId = String(5000 + this.tickets.length + 1);
    this.addTicket({ id: ticketId, title: 'FinalizeLayerRevisionWorkTicketDescription', args: [found.layer.name], steps });
    found.revision.finalizeTicket = ticketId;
    return { WorkTicketId: ticketId };
  }

  /**
   * CreatePlatformLayerRevision: a new version (Editing) of an existing layer, from a base version of
   * it, with its packaging-disk ticket (CreateLayerRevisionResult's WorkTicketId, as CreatePlatformLayer).
   * Refusals as CreatePlatformLayer's; a duplicate version name being DuplicateName is inferred.
   */
  private createRevision(f: Record<string, string>): Record<string, unknown> {
    const layer = (this.opts.platformLayers ?? []).find((l) => l.id === String(Number(f.LayerId)));
    if (!layer) return applicationError('ItemNotFound', `Layer ${f.LayerId} was not found.`);
    const revisions = (layer.revisions ??= []);
    if (!revisions.some((r) => r.id === String(Number(f.BaseLayerRevisionId)))) return applicationError('ItemNotFound', `Layer version ${f.BaseLayerRevisionId} was not found in layer ${layer.name}.`);
    if (revisions.some((r) => r.version === f['RevisionInfo.Name'])) return applicationError('DuplicateName', `Layer ${layer.name} already has a version named '${f['RevisionInfo.Name']}'.`);
    if (revisions.some((r) => ['Editing', 'Finalizable', 'Finalizing'].includes(this.revisionState(r))))
      return applicationError('PlatformLayerInUseByTasks', `Layer ${layer.name} already has a version being edited.`);
    const osKnown = (this.opts.osLayers ?? []).some((l) => (l.revisions ?? []).some((r) => r.id === String(Number(f.OsLayerRevisionId))));
    if (!osKnown) return applicationError('OsLayerRevisionNotFound', `OS layer version ${f.OsLayerRevisionId} was not found.`);
    const connector = (this.opts.connectors ?? []).find((c) => c.id === f.PlatformConnectorConfigId);
    if (!connector) return applicationError('PlatformConnectorNotFound', `Platform connector configuration ${f.PlatformConnectorConfigId} was not found.`);
    const refusal = platformRefusal(f, this.opts.platformTypes ?? DEFAULT_PLATFORM_TYPES, connector);
    if (refusal) return refusal;
    const share = (this.opts.fileShares ?? []).find((s) => s.id === String(Number(f.SelectedFileShare)));
    if (!share) return applicationError('RemoteFileShareNotFound', `File share ${f.SelectedFileShare} was not found.`);
    const revision: Revision = { id: `${layer.id}${revisions.length + 1}`, version: f['RevisionInfo.Name'], state: 'Editing', disk: packagingDisk(share.path, f), ...createdRevision(f) };
    revisions.push(revision);
    return { WorkTicketId: this.packagingTicket('CreatePlatformLayerRevisionWorkTicketDescription', layer.name, revision.disk!) };
  }

  private answer(parsed: ParsedRequest): Record<string, unknown> {
    const o = this.opts;
    const summaries = (items: Item[] = []) => ({ LayerEntitySummary: items.map((i) => ({ Id: i.id, Name: i.name })) });
    switch (parsed.operation) {
      case 'QueryManagementApplianceDetailsWithParam':
        // The Version element's place in ManagementApplianceDetailsResult is inferred.
        return { ManagementAppliance: { Name: 'elm01', Version: o.version ?? '2411.0.0.1' } };
      case 'QueryRemoteFileShares':
        return { RemoteShares: { RemoteFileShareSummary: (o.fileShares ?? []).map((s) => ({ Id: s.id, Name: s.name, Path: s.path })) } };
      case 'QueryPlatformConnectorConfigSummary':
        // PlatformConnectorConfigSummary's Id and Name (soap_helpers.go), PlatformId and PlatformName
        // (elm_client.go); the values of the two Platform fields are inferred (a test's type as both).
        return { Configurations: { PlatformConnectorConfigSummary: (o.connectors ?? []).map((c) => ({ Id: c.id, Name: c.name, PlatformId: c.type, PlatformName: c.type })) } };
      case 'QueryPlatformConnectorConfig':
        return connectorConfigsAnswer(o.connectors ?? []);
      case 'QueryPlatformTypes':
        return platformTypesAnswer(o.platformTypes ?? DEFAULT_PLATFORM_TYPES);
      case 'QueryOsLayers':
        return { OsLayers: summaries(filtered(o.osLayers, parsed.fields.Filter)) };
      case 'QueryPlatformLayers':
        return { PlatformLayers: summaries(filtered(o.platformLayers, parsed.fields.Filter)) };
      case 'QueryPlatformLayerDetails':
        return details('Platform', o.platformLayers, parsed.fields.Id, (r) => this.revisionState(r), o.osLayers);
      case 'QueryOsLayerDetails':
        return details('Os', o.osLayers, parsed.fields.Id, (r) => r.state);
      case 'QueryLayerInstallDisk':
        return this.installDisk(parsed.fields.LayerId);
      case 'FinalizeLayerRevision':
        return this.finalize(parsed.fields);
      case 'CreatePlatformLayerRevision':
        return this.createRevision(parsed.fields);
      case 'QueryLayerIcons':
        return { IconIds: { long: o.iconIds ?? [] } };
      case 'QueryWorkTicketsAsPendingOp':
        return this.ticketsAnswer(parsed.fields.Filter === 'WorkTicketsQueryByCompletedFilter');
      case 'CancelWorkTickets':
        return this.cancel(parsed.fields.WorkTicketIds.split(','));
      case 'CreatePlatformLayer':
        return this.createPlatformLayer(parsed.fields);
      default:
        throw new SoapFault(`Server did not recognize the value of HTTP Header SOAPAction: ${parsed.operation}.`);
    }
  }
}

/**
 * A layer's details as elm_client.go's LayerDetailsResultOf<Kind>LayerRevisionDetail: LayerSummary
 * (Id, Name, ImageId: the icon, inferred), Description, Revisions with Id, DisplayedVersion, State,
 * SizeMegs and a platform version's three platform type ids (PlatformLayerRevisionDetail), and a
 * platform layer's AssociatedOsLayerName (PlatformLayerDetailsResult; its newest version's OS layer,
 * inferred). An id the appliance does not have is its ItemNotFound refusal.
 */
function details(kind: 'Platform' | 'Os', items: LayerItem[] = [], id: string, stateOf: (r: Revision) => string, osLayers: LayerItem[] = []): Record<string, unknown> {
  const wanted = String(Number(id)); // once, not per layer: a list of thousands asks this for each
  const layer = items.find((l) => l.id === wanted);
  if (!layer) return applicationError('ItemNotFound', `No layer with id ${id}.`);
  const revisions = (layer.revisions ?? []).map((r) => ({
    Id: r.id,
    DisplayedVersion: r.version,
    State: stateOf(r),
    ...(r.sizeMiB ? { SizeMegs: r.sizeMiB } : {}),
    ...(r.platform?.hypervisor ? { HypervisorPlatformTypeId: r.platform.hypervisor } : {}),
    ...(r.platform?.provisioning ? { ProvisioningPlatformTypeId: r.platform.provisioning } : {}),
    ...(r.platform?.broker ? { BrokerPlatformTypeId: r.platform.broker } : {}),
  }));
  const newestOs = [...(layer.revisions ?? [])].reverse().find((r) => r.osRevisionId)?.osRevisionId;
  const osLayer = newestOs ? osLayers.find((l) => (l.revisions ?? []).some((r) => r.id === newestOs)) : undefined;
  return {
    LayerSummary: { Id: layer.id, Name: layer.name, ...(layer.iconId ? { ImageId: layer.iconId } : {}) },
    Description: layer.description ?? '',
    Revisions: { [`${kind}LayerRevisionDetail`]: revisions },
    ...(osLayer ? { AssociatedOsLayerName: osLayer.name } : {}),
  };
}

/** What a create command records on the version it makes (read back by QueryPlatformLayerDetails). */
function createdRevision(f: Record<string, string>): Pick<Revision, 'sizeMiB' | 'osRevisionId' | 'platform'> {
  return {
    sizeMiB: Number(f['RevisionInfo.LayerSizeMiB']),
    osRevisionId: String(Number(f.OsLayerRevisionId)),
    platform: { hypervisor: f.HypervisorPlatformTypeId, provisioning: f.ProvisioningPlatformTypeId, broker: f.BrokerPlatformTypeId },
  };
}

/** Where the appliance puts a packaging disk on its share (the folder and file name are inferred). */
function packagingDisk(sharePath: string, f: Record<string, string>): { uncPath: string; name: string } {
  const ext = f.PackagingDiskFormat.replace(/DiskFormat$/, '').toLowerCase();
  return { uncPath: `${sharePath}\\Unidesk\\Packaging Disks`, name: `${f.PackagingDiskFilename}.${ext}` };
}

function filtered(items: Item[] = [], filter: string | undefined): Item[] {
  return filter ? items.filter((i) => i.name.includes(filter)) : items;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, record: RecordedRequest, status: number, type: string, body: string): void {
  record.status = status;
  res.writeHead(status, { 'Content-Type': type });
  res.end(body);
}

export async function startApplianceFake(opts: ApplianceFakeOptions = {}): Promise<ApplianceFake> {
  return new ApplianceFake(opts).start();
}
