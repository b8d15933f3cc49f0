const DEVICE_ID_KEY = 'sferum.deviceId';

/** A random id of URL-safe characters (device ids, mutation ids). */
export function randomId(length = 22): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b & 63]).join('');
}

/** One device id per browser profile, kept in localStorage (the web version's "device"). */
export function browserDeviceId(storage: Storage): string {
  const existing = storage.getItem(DEVICE_ID_KEY);
  if (existing && /^[A-Za-z0-9_-]{16,64}$/.test(existing)) return existing;
  const id = randomId(24);
  storage.setItem(DEVICE_ID_KEY, id);
  return id;
}

/** "Chrome, Linux": how this browser appears in the list of sessions. */
export function browserDeviceName(userAgent: string): string {
  const browser =
    [
      ['YaBrowser', 'Yandex Browser'],
      ['Edg/', 'Edge'],
      ['OPR/', 'Opera'],
      ['Firefox/', 'Firefox'],
      ['Chrome/', 'Chrome'],
      ['Safari/', 'Safari'],
    ].find(([needle]) => userAgent.includes(needle!))?.[1] ?? 'Browser';
  const os =
    [
      ['Windows', 'Windows'],
      ['Android', 'Android'],
      ['iPhone', 'iOS'],
      ['iPad', 'iPadOS'],
      ['Mac OS X', 'macOS'],
      ['Linux', 'Linux'],
    ].find(([needle]) => userAgent.includes(needle!))?.[1] ?? '';
  return `${browser}${os ? `, ${os}` : ''} (web)`;
}
