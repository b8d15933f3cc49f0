import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBridge } from '../backend/BridgeContext.js';
import { errorMessage } from '../errorMessage.js';
import { keys } from '../queries.js';

/**
 * Signing out from a screen: ends the session, forgets the profile and its sessions, and
 * goes to the sign-in screen; a failure becomes the sentence to show, and the button is
 * usable again.
 */
export function useSignOut(): { signOut: () => Promise<void>; busy: boolean; error: string | null } {
  const { t } = useTranslation();
  const bridge = useBridge();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function signOut() {
    setBusy(true);
    setError(null);
    try {
      await bridge.authSignOut();
      client.removeQueries({ queryKey: keys.sessions });
      client.setQueryData(keys.profile, null);
      window.location.hash = '';
    } catch (caught) {
      setError(errorMessage(t, caught));
      setBusy(false);
    }
  }

  return { signOut, busy, error };
}
