import { useEffect, useState } from 'react';

/** `#/family/<childId>` opens one child's profile inside the family section. */
export function childIdFromHash(hash: string): string | null {
  const m = /^#\/family\/([^/?#]+)/.exec(hash);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

export function useChildIdFromHash(): string | null {
  const [id, setId] = useState(() => childIdFromHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setId(childIdFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return id;
}
