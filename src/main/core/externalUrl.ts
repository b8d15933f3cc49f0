import { AppError } from '../../shared/errors.js';

/**
 * The only URLs the app hands to the system: https pages and mailto addresses (the
 * support address). Anything else (file:, javascript:, custom schemes, plain http)
 * could run or open something local, so it is refused.
 */
export function vetExternalUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('FORBIDDEN', 'This link cannot be opened.');
  }
  if (url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '') {
    return url.toString();
  }
  if (url.protocol === 'mailto:' && /^[^\s@/?#]+@[^\s@/?#]+\.[^\s@/?#]+(\?.*)?$/.test(raw.slice(7))) {
    return raw;
  }
  throw new AppError('FORBIDDEN', 'Only https links and e-mail addresses can be opened.');
}
