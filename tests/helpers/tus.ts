import { DOCUMENT_ID_HEADER } from '../../src/shared/documents/index.js';

/** The header every tus request carries. */
export const TUS = { 'tus-resumable': '1.0.0' } as const;

/** One tus PATCH of `data` at `offset`, as any tus client sends it. */
export async function tusPatch(
  baseUrl: string,
  auth: Record<string, string>,
  location: string,
  offset: number,
  data: Buffer,
): Promise<{ status: number; offset: string | null; documentId: string | null; body: string }> {
  const response = await fetch(new URL(location, baseUrl), {
    method: 'PATCH',
    headers: {
      ...auth,
      ...TUS,
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
    },
    body: new Uint8Array(data),
  });
  return {
    status: response.status,
    offset: response.headers.get('upload-offset'),
    documentId: response.headers.get(DOCUMENT_ID_HEADER),
    body: await response.text(),
  };
}
