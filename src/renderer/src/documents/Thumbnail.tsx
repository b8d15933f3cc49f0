import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import type { DocItem } from '../../../shared/documents/ipc.js';
import type { Bridge } from '../../../shared/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { FileIcon } from './icons.js';

const THUMBNAIL_TTL_MS = 60_000;
const THUMBNAIL_CACHE_SIZE = 500;

/** Thumbnail addresses by document and version; web links are short-lived, so entries expire. */
type ThumbnailCache = Map<string, { at: number; url: Promise<string | null> }>;

const ThumbnailCacheContext = createContext<ThumbnailCache | null>(null);

/** One cache for the app's lifetime, so a thumbnail shown once is not asked for again as rows come and go. */
export function ThumbnailCacheProvider({ children }: { children: ReactNode }) {
  const [cache] = useState<ThumbnailCache>(() => new Map());
  return <ThumbnailCacheContext.Provider value={cache}>{children}</ThumbnailCacheContext.Provider>;
}

function thumbnailUrl(cache: ThumbnailCache, bridge: Bridge, item: DocItem): Promise<string | null> {
  const key = `${item.id}:${item.updatedAt}:${item.size}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < THUMBNAIL_TTL_MS) return hit.url;
  const url = bridge
    .documentsThumbnail({ id: item.id })
    .then((r) => r.url)
    .catch(() => null);
  cache.set(key, { at: now, url });
  if (cache.size > THUMBNAIL_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return url;
}

/** The address of an image document's thumbnail, null until (or unless) there is one. */
export function useThumbnail(item: DocItem): string | null {
  const bridge = useBridge();
  const cache = useContext(ThumbnailCacheContext);
  if (!cache) throw new Error('useThumbnail outside ThumbnailCacheProvider');
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void thumbnailUrl(cache, bridge, item).then((u) => live && setUrl(u));
    return () => {
      live = false;
    };
  }, [cache, bridge, item]);
  return url;
}

/** A small image of an image document in the grid; the file icon until (or unless) it loads. */
export function Thumbnail({ item }: { item: DocItem }) {
  const url = useThumbnail(item);
  const [failed, setFailed] = useState(false);
  useEffect(() => setFailed(false), [item]);
  if (!url || failed) return <FileIcon width={40} height={40} />;
  return (
    <img
      className="doc-thumb"
      src={url}
      alt=""
      loading="lazy"
      decoding="async"
      onError={() => setFailed(true)}
      data-testid="doc-thumb"
    />
  );
}
