import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { DocItem, ListOutput, SortKey } from '../../../shared/documents/ipc.js';
import type { Bridge } from '../../../shared/ipc.js';

/**
 * Rows per read. The first page of a search is on the path of every keystroke, and its
 * cost (the read, the trip across the bridge, the parse) grows with its size: a page
 * covers the list's first screen (at most 12 rows and the overscan), not more.
 */
export const PAGE = 20;

/** How long typing must pause before a search's full count is asked for. */
const COUNT_AFTER_MS = 150;

export interface ListParams {
  view: 'folder' | 'trash' | 'search';
  folderId: string | null;
  query: string;
  sort: SortKey;
  desc: boolean;
}

export interface DocumentPages {
  /** The parameters the pages are for; changes with the folder, the query, the sort. */
  key: string;
  /** Rows of the list (until the count arrives, the rows known so far). */
  total: number;
  /** The exact number of items, for the screen to say; the last known one while counting. */
  count: number | null;
  loaded: boolean;
  /** The rows on screen are still those of other parameters (the new ones are on their way). */
  busy: boolean;
  breadcrumbs: ListOutput['breadcrumbs'];
  quota: ListOutput['quota'];
  item(index: number): DocItem | undefined;
  /** Asks for the first page of `next` now, ahead of the render that will show it. */
  prefetch(next: ListParams): void;
  /** Loads the pages covering rows start..end (what the virtual list shows). */
  ensure(start: number, end: number): void;
  error: unknown;
}

interface Head {
  /** Rows of the list: the exact total, or the rows known so far while it is counted. */
  total: number;
  /** The exact total, or the last one known (of the same view) while counting. */
  count: number | null;
  countOf: ListParams['view'] | null;
  breadcrumbs: ListOutput['breadcrumbs'];
  quota: ListOutput['quota'];
  loaded: boolean;
  /** The parameters (key) the pages shown are for. */
  shownKey: string;
}

/**
 * The list a screen shows, read page by page as the virtual list scrolls: the first
 * page answers at once, later pages load when their rows come into view. A page whose
 * total would cost a pass over every name (a one- or two-letter search) comes without
 * it, and the count follows in a request of its own, so the rows are on screen first.
 * Any change in the cache (or new parameters) starts again from the first page; a stale
 * answer from before is dropped by its generation number.
 */
export function useDocumentPages(bridge: Bridge, params: ListParams): DocumentPages {
  const pages = useRef(new Map<number, DocItem[]>());
  const inflight = useRef(new Set<number>());
  const generation = useRef(0);
  /** The parameters `pages` holds rows for (until the effect below starts on new ones). */
  const pagesKey = useRef('');
  /** This generation's exact total once known, the rows it has at least until then. */
  const exact = useRef<number | null>(null);
  const atLeast = useRef(0);
  const counting = useRef(-1);
  const [head, setHead] = useState<Head>({
    total: 0,
    count: null,
    countOf: null,
    breadcrumbs: [],
    quota: null,
    loaded: false,
    shownKey: '',
  });
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const key = JSON.stringify(params);
  const { view, folderId, query } = params;

  const count = useCallback(
    (gen: number) => {
      if (counting.current === gen) return;
      counting.current = gen;
      // A count can take the core several milliseconds (a short search reads every name);
      // asked for while the person is still typing, it would hold up the next keystroke's
      // page. It waits for a pause, and is dropped if the search changed meanwhile.
      window.setTimeout(() => {
        if (gen !== generation.current) return;
        bridge
          .documentsCount({ view, folderId, query })
          .then(({ total }) => {
            if (gen !== generation.current) return;
            exact.current = total;
            setHead((h) => ({ ...h, total, count: total, countOf: view }));
          })
          .catch((e: unknown) => {
            if (gen === generation.current) setError(e);
          });
      }, COUNT_AFTER_MS);
    },
    [bridge, key],
  );

  const early = useRef<{ key: string; answer: Promise<ListOutput> } | null>(null);
  const prefetch = useCallback(
    (next: ListParams) => {
      const answer = bridge.documentsList({ ...next, offset: 0, limit: PAGE, countAll: false });
      answer.catch(() => undefined);
      early.current = { key: JSON.stringify(next), answer };
    },
    [bridge],
  );

  const load = useCallback(
    (page: number, gen: number) => {
      if (inflight.current.has(page)) return;
      inflight.current.add(page);
      const ahead = page === 0 && early.current?.key === key ? early.current.answer : null;
      early.current = null;
      (ahead ?? bridge.documentsList({ ...params, offset: page * PAGE, limit: PAGE, countAll: false }))
        .then((out) => {
          if (gen !== generation.current) return;
          pages.current.set(page, out.items);
          if (out.total !== null) exact.current = out.total;
          atLeast.current = Math.max(atLeast.current, page * PAGE + out.items.length);
          const known = exact.current;
          setError(null);
          setHead((h) => ({
            total: known ?? atLeast.current,
            count: known ?? (h.countOf === view ? h.count : null),
            countOf: view,
            breadcrumbs: out.breadcrumbs,
            quota: out.quota,
            loaded: true,
            shownKey: key,
          }));
          setTick((n) => n + 1);
          if (known === null) count(gen);
        })
        .catch((e: unknown) => {
          if (gen === generation.current) setError(e);
        })
        .finally(() => inflight.current.delete(page));
    },
    [bridge, key, count],
  );

  const reload = useCallback(() => {
    generation.current += 1;
    const keep = [...pages.current.keys()];
    pages.current = new Map();
    inflight.current = new Set();
    // The list keeps its length (and the reader their place) until the new count.
    atLeast.current = exact.current ?? atLeast.current;
    exact.current = null;
    const gen = generation.current;
    for (const page of keep.length > 0 ? keep : [0]) load(page, gen);
  }, [load]);

  // A layout effect: it runs right after the keystroke's render, not after the next frame
  // is painted, so an answer that is already back (prefetched) is shown at once.
  useLayoutEffect(() => {
    generation.current += 1;
    pagesKey.current = key;
    pages.current = new Map();
    inflight.current = new Set();
    exact.current = null;
    atLeast.current = 0;
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

  const item = useCallback(
    (index: number) => pages.current.get(Math.floor(index / PAGE))?.[index % PAGE],
    [],
  );
  const ensure = useCallback(
    (start: number, end: number) => {
      // Right after new parameters the old rows are still shown; the first page is on its way.
      if (pagesKey.current !== key) return;
      for (let page = Math.floor(start / PAGE); page <= Math.floor(end / PAGE); page++) {
        if (!pages.current.has(page)) load(page, generation.current);
      }
    },
    // A new identity after each answer, so the list asks again for what is still missing.
    [load, key, tick],
  );
  return {
    key,
    total: head.total,
    count: head.countOf === view ? head.count : null,
    loaded: head.loaded,
    busy: head.shownKey !== key,
    breadcrumbs: head.breadcrumbs,
    quota: head.quota,
    error,
    item,
    ensure,
    prefetch,
  };
}
