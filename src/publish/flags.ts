/** The flags of `layer publish` (each connector type takes some of them; target.ts refuses the rest). */
export interface PublishFlags {
  version?: string;
  to: string;
  format?: string;
  out?: string;
  name?: string;
  comment?: string;
  gallery?: string;
  imageDefinition?: string;
  imageVersion?: string;
  /** `--regions R,...` (the contract's spelling); merged with the repeatable --replica-region. */
  regions?: string;
  replicaRegion?: string[];
  storageAccountType?: string;
  templateName?: string;
  library?: string;
  replace?: boolean;
  wait?: boolean;
  timeout?: string;
}
