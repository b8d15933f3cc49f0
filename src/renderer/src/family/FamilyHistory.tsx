import { useTranslation } from 'react-i18next';
import type { FamilyEvent } from '../../../shared/family.js';
import { formatDateTime } from './format.js';

/** Who joined or left, and when: every family change of one child. */
export function FamilyHistory({ events }: { events: FamilyEvent[] }) {
  const { t, i18n } = useTranslation();
  return (
    <section className="card" aria-labelledby="family-history-title">
      <h2 className="section-title" id="family-history-title">
        {t('family.historyTitle')}
      </h2>
      {events.length === 0 ? (
        <p className="muted">{t('family.historyEmpty')}</p>
      ) : (
        <ol className="history" data-testid="family-history">
          {[...events].reverse().map((event) => (
            <li key={event.id} className={`history-item history-${event.action}`}>
              <span className="history-dot" aria-hidden="true" />
              <span className="history-text">
                {t(`family.${event.action}`, { parent: event.parentName })}
              </span>
              <time className="history-time muted" dateTime={event.at}>
                {formatDateTime(event.at, i18n.language)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
