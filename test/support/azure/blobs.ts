/**
 * The storage side of the fake's resource providers, on Azurite: a managed disk is a page blob
 * in the container `fake-managed-disks` (imported by copying the source VHD there, exported
 * through a read-only SAS), and deployment templates are downloaded from their templateLink.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  SignedIdentifier,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { ArmError } from './errors';
import { storageTrust } from './sdkTrust';

export const MANAGED_DISKS_CONTAINER = 'fake-managed-disks';

export interface StorageConnection {
  /** e.g. https://127.0.0.1:PORT/devstoreaccount1 */
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
}

const MiB = 1024 * 1024;

export class DiskBlobs {
  private readonly service: BlobServiceClient;

  constructor(
    private readonly home: StorageConnection,
    private readonly caPem: string,
  ) {
    this.service = clientFor(home, caPem);
  }

  blobUrl(blobName: string): string {
    return this.service.getContainerClient(MANAGED_DISKS_CONTAINER).getBlobClient(blobName).url;
  }

  /**
   * Copies the VHD at `sourceUri` (a blob of `source`) into the managed-disk container, after the
   * checks Azure makes on an imported VHD. Returns the blob's size in bytes.
   */
  async importVhd(sourceUri: string, source: StorageConnection, blobName: string, diskName: string): Promise<number> {
    const bare = sourceUri.split('?')[0];
    const prefix = source.blobEndpoint.replace(/\/$/, '') + '/';
    if (!bare.toLowerCase().startsWith(prefix.toLowerCase())) {
      throw new ArmError(400, 'InvalidParameter', `The source blob '${bare}' is not in the storage account with endpoint '${prefix}'.`);
    }
    const [container, ...rest] = bare.slice(prefix.length).split('/');
    const sourceBlob = clientFor(source, this.caPem)
      .getContainerClient(decodeURIComponent(container))
      .getPageBlobClient(rest.map(decodeURIComponent).join('/'));

    let size: number;
    try {
      const props = await sourceBlob.getProperties();
      if (props.blobType !== 'PageBlob') {
        throw new ArmError(400, 'InvalidParameter', `The blob '${bare}' is a ${props.blobType}; a disk can only be imported from a page blob.`);
      }
      size = props.contentLength ?? 0;
    } catch (err) {
      if (err instanceof ArmError) throw err;
      if ((err as { statusCode?: number }).statusCode === 404) {
        throw new ArmError(404, 'NotFound', `The source blob '${bare}' was not found.`);
      }
      throw err;
    }
    const footer = size >= 512 ? await sourceBlob.downloadToBuffer(size - 512, 512) : Buffer.alloc(0);
    checkFixedVhd(footer, size, bare, diskName);

    const sas = generateBlobSASQueryParameters(
      {
        containerName: sourceBlob.containerName,
        blobName: sourceBlob.name,
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      new StorageSharedKeyCredential(source.accountName, source.accountKey),
    ).toString();
    const container2 = this.service.getContainerClient(MANAGED_DISKS_CONTAINER);
    await container2.createIfNotExists();
    const poller = await container2.getPageBlobClient(blobName).beginCopyFromURL(`${sourceBlob.url}?${sas}`, {
      intervalInMs: 50,
    });
    await poller.pollUntilDone();
    return size;
  }

  /**
   * A read-only SAS URL of a disk blob, tied to a stored access policy `identifier` of the
   * container (as Azure's accessSAS is, `si=`), so that revoke() makes the URL stop working.
   * A container holds at most 5 policies: at most 5 disks can have access at once.
   */
  async grantRead(blobName: string, identifier: string, expiresOn: Date): Promise<string> {
    await this.updatePolicies((list) => [
      ...list.filter((p) => p.id !== identifier),
      { id: identifier, accessPolicy: { permissions: 'r', expiresOn } },
    ]);
    const blob = this.service.getContainerClient(MANAGED_DISKS_CONTAINER).getBlobClient(blobName);
    const sas = generateBlobSASQueryParameters(
      { containerName: MANAGED_DISKS_CONTAINER, blobName, identifier },
      new StorageSharedKeyCredential(this.home.accountName, this.home.accountKey),
    ).toString();
    return `${blob.url}?${sas}`;
  }

  async revoke(identifier: string): Promise<void> {
    await this.updatePolicies((list) => list.filter((p) => p.id !== identifier));
  }

  private policyChain: Promise<unknown> = Promise.resolve();

  private updatePolicies(change: (list: SignedIdentifier[]) => SignedIdentifier[]): Promise<void> {
    const next = this.policyChain.then(async () => {
      const container = this.service.getContainerClient(MANAGED_DISKS_CONTAINER);
      await container.createIfNotExists();
      const current = await container.getAccessPolicy();
      const list = change(
        current.signedIdentifiers.map((p) => ({
          id: p.id,
          accessPolicy: { permissions: p.accessPolicy.permissions, expiresOn: p.accessPolicy.expiresOn, startsOn: p.accessPolicy.startsOn },
        })),
      );
      if (list.length > 5) throw new Error('the ARM fake can give access to at most 5 disks at once (stored access policy limit)');
      await container.setAccessPolicy(undefined, list);
    });
    this.policyChain = next.catch(() => undefined);
    return next;
  }

  /** Writes bytes into a disk blob (a test standing in for the operator installing software). */
  async write(blobName: string, offset: number, data: Buffer): Promise<void> {
    if (offset % 512 !== 0 || data.length % 512 !== 0) throw new Error('disk writes must be 512-byte aligned');
    await this.service.getContainerClient(MANAGED_DISKS_CONTAINER).getPageBlobClient(blobName).uploadPages(data, offset, data.length);
  }

  async read(blobName: string, offset = 0, count?: number): Promise<Buffer> {
    return this.service.getContainerClient(MANAGED_DISKS_CONTAINER).getBlobClient(blobName).downloadToBuffer(offset, count);
  }

  async delete(blobName: string): Promise<void> {
    await this.service.getContainerClient(MANAGED_DISKS_CONTAINER).getBlobClient(blobName).deleteIfExists();
  }
}

function checkFixedVhd(footer: Buffer, size: number, uri: string, diskName: string): void {
  if (footer.length < 512 || footer.subarray(0, 8).toString('latin1') !== 'conectix') {
    throw new ArmError(
      400,
      'InvalidVhd',
      `The specified cookie value in VHD footer indicates that disk '${diskName}' with blob ${uri} is not a supported VHD. Disk is expected to have cookie value 'conectix'.`,
    );
  }
  const diskType = footer.readUInt32BE(60);
  if (diskType !== 2) {
    throw new ArmError(400, 'InvalidVhd', `The VHD ${uri} is of type '${diskType === 3 ? 'Dynamic' : diskType}'. Only fixed VHDs are supported.`);
  }
  if ((size - 512) % MiB !== 0) {
    throw new ArmError(
      400,
      'InvalidVhd',
      `The virtual size of the VHD ${uri} (${size - 512} bytes) is not a multiple of 1 MiB; blob size must be N MiB + 512 bytes.`,
    );
  }
}

function clientFor(conn: StorageConnection, caPem: string): BlobServiceClient {
  return new BlobServiceClient(
    conn.blobEndpoint,
    new StorageSharedKeyCredential(conn.accountName, conn.accountKey),
    conn.blobEndpoint.startsWith('https:') ? storageTrust(caPem) : {},
  );
}

/** GET a URL (a template link), trusting the test CA. */
export function downloadText(url: string, caPem: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, url.startsWith('https:') ? { ca: caPem } : {}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** The Azurite account name in a path-style endpoint (https://127.0.0.1:PORT/devstoreaccount1). */
export function accountNameOfEndpoint(endpoint: string): string {
  const u = new URL(endpoint);
  const seg = u.pathname.split('/').filter(Boolean)[0];
  return seg ?? u.hostname.split('.')[0];
}
