/** The engine's own bookkeeping of each upload, and what it reads of errors and finishes. */
import type { UploadState } from '../../shared/documents/ipc.js';
import { AppError, hasErrorCode, type ErrorCode } from '../../shared/errors.js';
import type { StoredUpload, UploadSource, UploadTransport } from './ports.js';
import type { SpeedMeter } from './speed.js';
import type { ViewRow } from './view.js';
import type { WaitingLine } from './waitingLine.js';

export interface Run {
  abort: AbortController;
  /** Why it was stopped: the state it was left in, null when the engine closed. */
  stopAs: UploadState | null;
  /** Bytes handed to the network so far (may run ahead of what the server confirmed). */
  sent: number;
  meter: SpeedMeter;
}

export interface Job<O, S> {
  seq: number;
  record: StoredUpload<O>;
  source: S | null;
  /** Restored without a source: only the file added again continues it. */
  reopened: boolean;
  run: Run | null;
  /** Network failures in a row (reset when the server takes bytes). */
  networkFailures: number;
}

export interface Book<O, S> {
  /** In the order they were added (Map keeps insertion order). */
  jobs: Map<string, Job<O, S>>;
  line: WaitingLine<Job<O, S>>;
}

export const LIVE: ReadonlySet<UploadState> = new Set(['queued', 'hashing', 'uploading']);
/** Codes that mean "not now": the file stays in line and the queue waits for the network. */
export const WAIT_CODES: ReadonlySet<ErrorCode> = new Set([
  'NETWORK_OFFLINE',
  'UNAUTHENTICATED',
  'SESSION_EXPIRED',
]);

export function codeOf(error: unknown): ErrorCode {
  return hasErrorCode(error) ? error.code : 'INTERNAL';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const changedError = () =>
  new AppError('FILE_CHANGED', 'The file changed while it was uploading; it was not stored.');

/**
 * The idempotent finish of an upload the server no longer holds: the document it became,
 * or null when it is gone (expired, ended, or its bytes were not the file's). Not knowing
 * (no answer) is not "gone": that waits for the network.
 */
export async function finishedAlready(
  transport: UploadTransport,
  url: string,
  sha256: string | null,
  signal: AbortSignal,
): Promise<string | null> {
  try {
    return await transport.finish(url, sha256, signal);
  } catch (error) {
    if (WAIT_CODES.has(codeOf(error))) throw error;
    return null;
  }
}

/** The explicit finish; a checksum refusal there means the file changed under us. */
export async function finishing(
  transport: UploadTransport,
  source: UploadSource,
  url: string,
  sha256: string,
  signal: AbortSignal,
): Promise<string> {
  try {
    return await transport.finish(url, sha256, signal);
  } catch (error) {
    if (codeOf(error) === 'CHECKSUM_MISMATCH') {
      await source.check();
      throw changedError();
    }
    throw error;
  }
}

/** A book's uploads as the queue's view reads them. */
export function* bookRows<O, S>(book: Book<O, S>): Iterable<ViewRow> {
  for (const job of book.jobs.values()) {
    yield {
      record: job.record,
      inFlight: job.run ? job.run.sent : null,
      speed: job.run ? job.run.meter.bytesPerSecond : 0,
    };
  }
}
