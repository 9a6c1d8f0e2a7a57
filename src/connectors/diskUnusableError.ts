/**
 * The disk itself cannot become the layer (gone, damaged, replaced): finalize then marks the
 * version Broken instead of putting it back, since retrying cannot help.
 */
export class DiskUnusableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiskUnusableError';
  }
}
