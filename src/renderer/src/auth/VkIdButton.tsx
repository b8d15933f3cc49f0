import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { VkIdOutcome } from '../../../shared/auth/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { FormError } from '../components/FormError.js';
import { errorMessage } from '../errorMessage.js';
import { usePendingInvite } from '../family/InviteContext.js';
import { useAppState } from '../queries.js';

/** VK ID's mark: the white «VK» on VK blue, drawn here (nothing is loaded from elsewhere). */
function VkMark() {
  return (
    <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect width="24" height="24" rx="6" fill="#0077ff" />
      <path
        fill="#fff"
        d="M12.8 17c-5 0-7.9-3.4-8-9.1h2.5c.1 4.2 1.9 5.9 3.4 6.3V7.9h2.4v3.6c1.4-.2 2.9-1.8 3.4-3.6h2.3c-.4 2.2-2 3.8-3.1 4.5 1.1.5 2.9 1.9 3.6 4.6h-2.5c-.5-1.7-1.9-3.1-3.7-3.2V17h-.3Z"
      />
    </svg>
  );
}

/**
 * «Войти через VK ID»: shown only when the server offers it. The web page leaves for VK
 * and comes back (the answer is taken up on load); the desktop app opens the system
 * browser and waits for the answer the browser hands back. An invite being opened
 * continues after the sign-in.
 */
export function VkIdButton({ onOutcome }: { onOutcome: (outcome: VkIdOutcome) => void }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const state = useAppState().data;
  const invite = usePendingInvite();
  const [waiting, setWaiting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const outcome = useRef(onOutcome);
  outcome.current = onOutcome;

  // Back from VK (the web version): finish that sign-in.
  useEffect(() => {
    let alive = true;
    bridge.authVkidResume().then(
      (answer) => alive && answer && outcome.current(answer),
      (caught: unknown) => alive && setError(errorMessage(t, caught)),
    );
    return () => {
      alive = false;
    };
  }, [bridge, t]);

  if (!state?.server?.vkid) return null;

  async function start() {
    setError(null);
    setWaiting(true);
    try {
      outcome.current(await bridge.authVkidStart({ inviteToken: invite.token }));
    } catch (caught) {
      setError(errorMessage(t, caught));
    } finally {
      setWaiting(false);
    }
  }

  return (
    <div className="vkid stack-small">
      <div className="vkid-or" aria-hidden="true">
        <span>{t('vkid.or')}</span>
      </div>
      <button
        type="button"
        className="btn btn-secondary btn-block vkid-button"
        onClick={() => void start()}
        disabled={waiting}
        data-testid="vkid-signin"
      >
        <VkMark />
        <span>{t('vkid.signIn')}</span>
      </button>
      {waiting && state.target === 'desktop' ? (
        <p className="field-hint" role="status">
          {t('vkid.continueInBrowser')}
        </p>
      ) : null}
      <FormError message={error} />
    </div>
  );
}
