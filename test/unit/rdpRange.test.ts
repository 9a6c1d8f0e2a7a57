/** Which ranges RDP may be opened to: IPv4, /8 or longer, no host bits. */
import { cidrProblem } from '../../src/connectors/azure/machineOptions';

test.each(['203.0.113.7', '203.0.113.0/24', '10.0.0.0/8'])('%s is accepted', (v) => expect(cidrProblem(v)).toBeNull());
test.each([
  ['0.0.0.0/0', /whole internet/],
  ['0.0.0.0/1', /is a \/1: 2147483648 addresses/],
  ['128.0.0.0/1', /is a \/1/],
  ['8.0.0.0/7', /is a \/7/],
  ['2001:db8::/48', /IPv6 range, and the public IP elm creates is IPv4 only/],
])('%s is refused', (v, why) => expect(cidrProblem(v)).toMatch(why));
