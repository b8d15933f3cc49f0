import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import licenses from './licenses.json';

/** Settings → About: the version, and the licences of the libraries the app ships. */
export function AboutCard() {
  const { t } = useTranslation();
  const id = useId();
  return (
    <section className="card stack" aria-labelledby={id}>
      <h2 className="section-title" id={id}>
        {t('about.title')}
      </h2>
      <p>{t('about.version', { version: __APP_VERSION__ })}</p>
      <p className="muted">{t('about.text')}</p>
      <details className="licenses">
        <summary>{t('about.licenses', { count: licenses.length })}</summary>
        <ul className="licenses-list">
          {licenses.map((entry) => (
            <li key={`${entry.name}@${entry.version}`}>
              <span>
                {entry.name} {entry.version}
              </span>
              <span className="muted">{entry.license}</span>
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}
