import { guestOsForServer } from '../../src/connectors/vsphere/guestOsForServer';

describe('guestOsForServer', () => {
  it('keeps an id the API version knows, falls back to the nearest earlier one otherwise', () => {
    expect(guestOsForServer('WINDOWS_11_64', '8.0.0.1')).toEqual({ id: 'WINDOWS_11_64' });
    expect(guestOsForServer('WINDOWS_11_64', '8.0.3.0')).toEqual({ id: 'WINDOWS_11_64' });
    expect(guestOsForServer('WINDOWS_11_64', '7.0.3.0')).toMatchObject({ id: 'WINDOWS_9_64', note: expect.stringContaining('came with 8.0.0.1') });
    expect(guestOsForServer('WINDOWS_SERVER_2025', '8.0.0.0').id).toBe('WINDOWS_SERVER_2021');
    expect(guestOsForServer('WINDOWS_SERVER_2025', '7.0.0.0').id).toBe('WINDOWS_SERVER_2019');
    expect(guestOsForServer('WINDOWS_SERVER_2021', '7.0.2.0')).toEqual({ id: 'WINDOWS_SERVER_2021' });
    expect(guestOsForServer('WINDOWS_9_SERVER_64', '7.0.2.0')).toEqual({ id: 'WINDOWS_9_SERVER_64' });
  });
});
