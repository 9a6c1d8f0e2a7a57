/**
 * Whether a URL's host is this machine (127.0.0.0/8, ::1, localhost): the only place a plain
 * http:// endpoint may carry a credential (an emulator such as Azurite in tests), since nothing
 * sent there crosses a network.
 */
export function isLoopbackHost(u: URL): boolean {
  const host = u.hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
