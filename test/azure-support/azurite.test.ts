/** Azurite as the tests start it: page blobs (the packaging disk format) over http and https. */
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Azurite, startAzurite, storageTrust } from '../support/azure';

describe.each([
  ['http', { https: false }],
  ['https', { https: true }],
])('Azurite over %s', (_name, opts) => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite(opts);
  });
  afterAll(() => azurite.stop());

  it('stores a sparse page blob and reports only the written ranges', async () => {
    expect(azurite.blobEndpoint).toMatch(new RegExp(`^${opts.https ? 'https' : 'http'}://127\\.0\\.0\\.1:\\d+/devstoreaccount1$`));
    const service = new BlobServiceClient(
      azurite.blobEndpoint,
      new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
      opts.https ? storageTrust() : {},
    );
    const container = service.getContainerClient('disks');
    await container.createIfNotExists();
    const blob = container.getPageBlobClient('sparse.vhd');
    const size = 8 * 1024 * 1024 + 512;
    await blob.create(size);
    const page = Buffer.alloc(4096, 0xab);
    await blob.uploadPages(page, 4 * 1024 * 1024, page.length);
    await blob.uploadPages(Buffer.alloc(512, 0x01), size - 512, 512);

    // Beware: @azure/storage-blob reports `count` as end - start with an inclusive end, i.e. one
    // less than the byte count (the REST answer is <Start>4194304</Start><End>4198399</End>).
    const ranges = await blob.getPageRanges();
    expect(ranges.pageRange).toEqual([
      { offset: 4 * 1024 * 1024, count: 4096 - 1 },
      { offset: size - 512, count: 512 - 1 },
    ]);
    const props = await blob.getProperties();
    expect(props.blobType).toBe('PageBlob');
    expect(props.contentLength).toBe(size);
    const bytes = await blob.downloadToBuffer(4 * 1024 * 1024 - 512, 1024);
    expect(bytes.subarray(0, 512).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray(512).every((b) => b === 0xab)).toBe(true);
  });
});

it('stop() ends the Azurite process and frees its port', async () => {
  const azurite = await startAzurite();
  await azurite.stop();
  await expect(fetch(`${azurite.blobEndpoint}?comp=list`)).rejects.toThrow();
});
