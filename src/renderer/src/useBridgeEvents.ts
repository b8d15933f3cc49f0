import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { IpcEventPayload } from '../../shared/ipc.js';
import { useBridge } from './backend/BridgeContext.js';
import { keys } from './queries.js';

export type SignedOutReason = IpcEventPayload<'auth.signedOut'>;
export type Rejection = IpcEventPayload<'mutation.rejected'>;

/** Events from the backend keep the query cache fresh; sign-out is reported to the caller. */
export function useBridgeEvents(onSignedOut: (reason: SignedOutReason) => void): void {
  const bridge = useBridge();
  const client = useQueryClient();
  useEffect(() => {
    const offs = [
      bridge.on('cache.changed', ({ entities }) => {
        if (entities.some((e) => e === 'profile' || e === 'school' || e === 'class')) {
          void client.invalidateQueries({ queryKey: keys.profile });
        }
        void client.invalidateQueries({ queryKey: keys.sessions });
      }),
      bridge.on('app.state', (state) => client.setQueryData(keys.appState, state)),
      bridge.on('sync.status', (status) => client.setQueryData(keys.syncStatus, status)),
      bridge.on('mutation.rejected', (rejection) => {
        client.setQueryData<Rejection | null>(keys.lastRejection, rejection);
        void client.invalidateQueries({ queryKey: keys.profile });
      }),
      bridge.on('auth.signedOut', (reason) => {
        client.setQueryData(keys.profile, null);
        client.removeQueries({ queryKey: keys.sessions });
        onSignedOut(reason);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [bridge, client, onSignedOut]);
}
