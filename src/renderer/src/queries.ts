import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Profile } from '../../shared/domain.js';
import type { AppState, Settings } from '../../shared/ipc.js';
import type { SyncStatus } from '../../shared/sync/index.js';
import { useBridge } from './backend/BridgeContext.js';

/** Query keys, one per thing the UI reads through the bridge. */
export const keys = {
  appState: ['appState'] as const,
  profile: ['profile'] as const,
  sessions: ['sessions'] as const,
  syncStatus: ['syncStatus'] as const,
  lastRejection: ['lastRejection'] as const,
};

export function useAppState() {
  const bridge = useBridge();
  return useQuery({ queryKey: keys.appState, queryFn: () => bridge.appGetState() });
}

export function useProfile() {
  const bridge = useBridge();
  return useQuery({ queryKey: keys.profile, queryFn: () => bridge.profileGet() });
}

export function useSessions() {
  const bridge = useBridge();
  return useQuery({ queryKey: keys.sessions, queryFn: () => bridge.authListSessions() });
}

export function useSyncStatus() {
  const bridge = useBridge();
  return useQuery<SyncStatus>({ queryKey: keys.syncStatus, queryFn: () => bridge.syncGetStatus() });
}

/** Settings changes show at once (language, theme) and persist through the bridge. */
export function useUpdateSettings() {
  const bridge = useBridge();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: Partial<Settings>) => bridge.settingsUpdate(patch),
    onMutate: (patch) => {
      client.setQueryData<AppState>(keys.appState, (state) =>
        state ? { ...state, settings: { ...state.settings, ...patch } } : state,
      );
    },
    onSuccess: (settings) => {
      client.setQueryData<AppState>(keys.appState, (state) => (state ? { ...state, settings } : state));
    },
  });
}

/** The signed-in person changed (sign-in, an edit): show the new profile at once. */
export function useSetProfile() {
  const client = useQueryClient();
  return (profile: Profile | null) => client.setQueryData(keys.profile, profile);
}
