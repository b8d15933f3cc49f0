import type { UploadSource } from '../../../client/uploads/ports.js';
import { AppError } from '../../../shared/errors.js';
import { hashBlob } from './sha256.js';

/** Where a web upload's bytes came from, to know the file again when it is added again. */
export interface WebOrigin {
  lastModified: number;
}

/**
 * A File the parent picked or dropped, as the upload engine reads it. The browser holds
 * the file as it was chosen: once it changed on disk, reading it fails, and so does a
 * request sending it, without an answer (like a network cut).
 */
export class WebFileSource implements UploadSource<WebOrigin> {
  constructor(readonly file: File) {}

  /** Reads one byte: the browser refuses once the file changed (or went) since it was chosen. */
  async check(): Promise<void> {
    try {
      await this.file.slice(0, 1).arrayBuffer();
    } catch {
      throw new AppError('FILE_CHANGED', 'The file changed on disk while it was uploading.');
    }
  }

  digest(): Promise<string> {
    return hashBlob(this.file);
  }
}
