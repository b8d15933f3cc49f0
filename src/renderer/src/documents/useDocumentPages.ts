import { useCallback, useEffect, useRef, useState } from 'react';
import type { DocItem, ListOutput, SortKey } from '../../../shared/documentsIpc.js';
import type { Bridge } from '../../../shared/ipc.js';

export const PAGE = 100;

export interface ListParams {
  view: 'folder' | 'trash' | 'search';
  folderId: string | null;
  query: string;
  sort: SortKey;
  desc: boolean;
}

export interface DocumentPages {
  total: number;
  loaded: boolean;
  breadcrumbs: ListOutput['breadcrumbs'];
  quota: ListOutput['quota'];
  item(index: number): DocItem | undefined;
  /** Loads the pages covering rows start..end (what the virtual list shows). */
  ensure(start: number, end: number): void;
  error: unknown;
}

/**
 * The list a screen shows, read page by page as the virtual list scrolls: the first
 * page answers at once with the total, later pages load when their rows come into view.
 * Any change in the cache (or new parameters) starts again from the first page; a stale
 * answer from before is dropped by its generation number.
 */
export function useDocumentPages(bridge: Bridge, params: ListParams): DocumentPages {
  const pages = useRef(new Map<number, DocItem[]>());
  const inflight = useRef(new Set<number>());
  const generation = useRef(0);
  const [head, setHead] = useState<{
    total: number;
    breadcrumbs: ListOutput['breadcrumbs'];
    quota: ListOutput['quota'];
    loaded: boolean;
  }>({ total: 0, breadcrumbs: [], quota: null, loaded: false });
  const [, setTick] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const key = JSON.stringify(params);

  const load = useCallback(
    (page: number, gen: number) => {
      if (inflight.current.has(page)) return;
      inflight.current.add(page);
      bridge
        .documentsList({ ...params, offset: page * PAGE, limit: PAGE })
        .then((out) => {
          if (gen !== generation.current) return;
          pages.current.set(page, out.items);
          setError(null);
          setHead({ total: out.total, breadcrumbs: out.breadcrumbs, quota: out.quota, loaded: true });
          setTick((n) => n + 1);
        })
        .catch((e: unknown) => {
          if (gen === generation.current) setError(e);
        })
        .finally(() => inflight.current.delete(page));
    },
    [bridge, key],
  );

  const reload = useCallback(() => {
    generation.current += 1;
    const keep = [...pages.current.keys()];
    pages.current = new Map();
    inflight.current = new Set();
    const gen = generation.current;
    for (const page of keep.length > 0 ? keep : [0]) load(page, gen);
  }, [load]);

  useEffect(() => {
    generation.current += 1;
    pages.current = new Map();
    inflight.current = new Set();
    load(0, generation.current);
  }, [load]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = bridge.on('cache.changed', ({ entities }) => {
      if (!entities.includes('document') && !entities.includes('folder')) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, 60);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [bridge, reload]);

  return {
    ...head,
    error,
    item: (index) => pages.current.get(Math.floor(index / PAGE))?.[index % PAGE],
    ensure: (start, end) => {
      for (let page = Math.floor(start / PAGE); page <= Math.floor(end / PAGE); page++) {
        if (!pages.current.has(page)) load(page, generation.current);
      }
    },
  };
}
