import { useTranslation } from 'react-i18next';
import { errorMessage } from '../errorMessage.js';
import { useAppState } from '../queries.js';

/** What the app needs the parent to know about this computer (e.g. sign-in kept without a keyring). */
export function Warnings() {
  const { t } = useTranslation();
  const warnings = useAppState().data?.warnings ?? [];
  if (warnings.length === 0) return null;
  return (
    <div className="warnings" data-testid="app-warnings">
      {warnings.map((warning) => (
        <p key={warning.code} className="notice notice-warning" role="status">
          {errorMessage(t, warning)}
        </p>
      ))}
    </div>
  );
}
