/** A Citrix Provisioning server as the pvs connector records it: what is installed there (declared, see `connector add pvs --server`). */
export interface PvsServer {
  host: string;
  version: string;
  agent: boolean;
  console: boolean;
}
