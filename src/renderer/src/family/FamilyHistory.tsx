import { useTranslation } from 'react-i18next';
import { describeChildChanges, type FamilyEvent } from '../../../shared/family/index.js';
import { catalogues } from '../../../shared/messages/index.js';
import { formatDateTime } from './format.js';

/** "фамилия Иванов → Петров, дата рождения 01.02.2015 → 02.02.2015" in the page's language. */
export function changesText(event: FamilyEvent, language: string): string {
  const text = catalogues[language === 'en' ? 'en' : 'ru'].family;
  return describeChildChanges(event.changes ?? [], text, language);
}

/** Who joined or left, who changed the child's details and how, and when: every family change of one child. */
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
                {t(`family.${event.action}`, {
                  parent: event.parentName,
                  changes: changesText(event, i18n.language),
                })}
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
