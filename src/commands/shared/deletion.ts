/** One thing elm deletes after a version leaves the state, named for the operator. */
export interface Deletion {
  what: string;
  run(): Promise<void>;
  /** Named in the human output once done: a file the operator saw elm write (not a folder that may never have existed). */
  shown?: boolean;
}

/** What removing a layer version deletes (elm owns it) and what it leaves, said plainly. */
export interface VersionCleanup {
  deletions: Deletion[];
  leaves: string[];
}
