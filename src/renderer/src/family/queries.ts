import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useBridge } from '../backend/BridgeContext.js';
import { useProfile } from '../queries.js';

/** Keyed by the signed-in person: switching local profiles never shows another's family. */
export const familyKeys = {
  view: ['family', 'view'] as const,
  currentInvite: ['family', 'currentInvite'] as const,
};

const FAMILY_ENTITIES = new Set(['profile', 'invite', 'parentLink', 'familyEvent']);

/** Re-reads the family when its records change (the sync feed, another device). */
function useFamilyRefresh(): void {
  const bridge = useBridge();
  const client = useQueryClient();
  useEffect(
    () =>
      bridge.on('cache.changed', ({ entities }) => {
        if (entities.some((e) => FAMILY_ENTITIES.has(e))) {
          void client.invalidateQueries({ queryKey: ['family'] });
        }
      }),
    [bridge, client],
  );
}

export function useFamily() {
  const bridge = useBridge();
  const me = useProfile().data?.id ?? null;
  useFamilyRefresh();
  return useQuery({ queryKey: [...familyKeys.view, me], queryFn: () => bridge.familyGet() });
}

export function useCurrentInvite() {
  const bridge = useBridge();
  const me = useProfile().data?.id ?? null;
  return useQuery({
    queryKey: [...familyKeys.currentInvite, me],
    queryFn: () => bridge.familyCurrentInvite(),
  });
}
