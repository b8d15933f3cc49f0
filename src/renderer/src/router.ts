import { useCallback, useEffect, useState } from 'react';

/**
 * A tiny hash router for the signed-in shell: `#/family`, `#/documents`, ...
 * The hash keeps the web path free for `/invite/<token>`, which a later issue reads
 * from location.pathname (the server serves the app there too).
 */
export const ROUTES = ['profile', 'family', 'chats', 'documents', 'settings', 'help'] as const;
export type Route = (typeof ROUTES)[number];
export const DEFAULT_ROUTE: Route = 'profile';

export function routeFromHash(hash: string): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : DEFAULT_ROUTE;
}

export function hrefFor(route: Route): string {
  return `#/${route}`;
}

export function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState<Route>(() => routeFromHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(routeFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = useCallback((next: Route) => {
    window.location.hash = hrefFor(next);
    setRoute(next);
  }, []);
  return [route, navigate];
}
