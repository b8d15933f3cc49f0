/** A document record as the sync feed brings it into the desktop's cache. */
export const docRecord = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  folderId: null,
  name,
  size: 10,
  mime: 'application/pdf',
  sha256: 'x',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  trashedAt: null,
  trashRoot: null,
  ...extra,
});
