import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Language } from '../../shared/ipc.js';
import { catalogues } from '../../shared/messages/index.js';

/**
 * One i18next instance per app (no module-level singleton: tests create their own).
 * Russian is the default; every text comes from src/shared/messages.
 */
export function createI18n(language: Language = 'ru'): i18n {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    lng: language,
    fallbackLng: 'ru',
    supportedLngs: ['ru', 'en'],
    resources: {
      ru: { translation: catalogues.ru },
      en: { translation: catalogues.en },
    },
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
  });
  instance.on('languageChanged', (lng) => {
    document.documentElement.lang = lng;
    document.title = instance.t('app.name');
  });
  document.documentElement.lang = language;
  return instance;
}
