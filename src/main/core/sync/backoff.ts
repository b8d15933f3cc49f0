/** The sync loop retries on the clients' one backoff with jitter. */
export { Backoff } from '../../../client/http/backoff.js';
