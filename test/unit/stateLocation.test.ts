import { parseBlobUrl, stateLocation } from '../../src/store/stateLocation';
import { leaseSecondsOf } from '../../src/store/blobStateStore';
import { lockWaitFromEnv } from '../../src/store/stateBackend';
import { stateTimeoutMsOf } from '../../src/store/stateDeadline';

describe('--state URL', () => {
  test('an Azure account endpoint: account from the host, container and a nested blob name', () => {
    expect(parseBlobUrl('https://teamstore.blob.core.windows.net/elm/ci/state.json', '--state')).toEqual({
      url: 'https://teamstore.blob.core.windows.net/elm/ci/state.json',
      accountName: 'teamstore',
      containerUrl: 'https://teamstore.blob.core.windows.net/elm',
      container: 'elm',
      name: 'ci/state.json',
    });
  });

  test('a sovereign cloud works the same way', () => {
    expect(parseBlobUrl('https://gov1.blob.core.usgovcloudapi.net/elm/state.json', '--state')).toMatchObject({ accountName: 'gov1', container: 'elm', name: 'state.json' });
  });

  test('a path-style endpoint (Azurite, an IP): the account is the first path segment', () => {
    expect(parseBlobUrl('http://127.0.0.1:10000/devstoreaccount1/elm/state.json', '--state')).toEqual({
      url: 'http://127.0.0.1:10000/devstoreaccount1/elm/state.json',
      accountName: 'devstoreaccount1',
      containerUrl: 'http://127.0.0.1:10000/devstoreaccount1/elm',
      container: 'elm',
      name: 'state.json',
    });
  });

  test.each([
    ['not a url', /is not a URL/],
    ['ftp://x.blob.core.windows.net/elm/state.json', /is not an http\(s\) URL/],
    ['https://x.blob.core.windows.net/elm/state.json?sv=1&sig=secret', /must not carry credentials/],
    ['https://x.blob.core.windows.net/elm', /names no blob/],
    ['https://x.blob.core.windows.net/elm/state.txt', /must end in \.json/],
    ['http://x.blob.core.windows.net/elm/state.json', /is plain http: the state's credential would travel in clear; use https:\/\//],
    ['http://10.0.0.5:10000/devstoreaccount1/elm/state.json', /is plain http/],
    ['http://127.0.0.1.example.com/elm/state.json', /is plain http/],
    ['https://x.blob.core.windows.net/elm/a%zz/state.json', /malformed %-escape in its path; write % as %25/],
  ])('%s is refused (exit 2) naming the fix', (raw, message) => {
    expect(() => parseBlobUrl(raw, '--state')).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(message) }));
  });

  test('plain http only on this machine (an emulator): 127.0.0.0/8, ::1, localhost', () => {
    for (const raw of ['http://127.0.0.1:10000/a/elm/state.json', 'http://127.8.9.10:10000/a/elm/state.json', 'http://localhost:10000/a/elm/state.json', 'http://[::1]:10000/a/elm/state.json'])
      expect(parseBlobUrl(raw, '--state')).toMatchObject({ accountName: 'a', container: 'elm', name: 'state.json' });
  });

  test('no ELM_STATE: the file under ELM_HOME', () => {
    expect(stateLocation('/h', {})).toEqual({ kind: 'file', home: '/h' });
    expect(stateLocation('/h', { ELM_STATE: 'https://a.blob.core.windows.net/c/s.json' })).toMatchObject({ kind: 'blob', blob: { accountName: 'a' } });
  });
});

describe('ELM_STATE_LEASE_SECONDS', () => {
  test('30 s by default; 15 to 60 accepted (Azure\'s bounds); anything else refused', () => {
    expect(leaseSecondsOf({})).toBe(30);
    expect(leaseSecondsOf({ ELM_STATE_LEASE_SECONDS: '15' })).toBe(15);
    expect(leaseSecondsOf({ ELM_STATE_LEASE_SECONDS: '60' })).toBe(60);
    for (const bad of ['14', '61', '-1', 'abc', '20.5']) expect(() => leaseSecondsOf({ ELM_STATE_LEASE_SECONDS: bad })).toThrow(/15 to 60/);
  });
});

describe('ELM_LOCK_WAIT_MS and ELM_STATE_TIMEOUT_MS', () => {
  test('whole milliseconds; anything else is refused naming the variable', () => {
    expect(lockWaitFromEnv({})).toBeUndefined();
    expect(lockWaitFromEnv({ ELM_LOCK_WAIT_MS: '5000' })).toBe(5000);
    for (const bad of ['0', '-1', 'soon', '1.5', '1e9']) expect(() => lockWaitFromEnv({ ELM_LOCK_WAIT_MS: bad })).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^ELM_LOCK_WAIT_MS=/) }));
    expect(stateTimeoutMsOf({})).toBe(45_000);
    expect(stateTimeoutMsOf({ ELM_STATE_TIMEOUT_MS: '2000' })).toBe(2000);
    for (const bad of ['0', 'x', '600001']) expect(() => stateTimeoutMsOf({ ELM_STATE_TIMEOUT_MS: bad })).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^ELM_STATE_TIMEOUT_MS=/) }));
  });
});
