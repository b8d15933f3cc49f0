import { useTranslation } from 'react-i18next';
import { type Language, LANGUAGES } from '../language.js';
import { useAppState, useUpdateSettings } from '../queries.js';
import { ChoiceGroup } from './ChoiceGroup.js';

/** Русский / English; the choice persists through settingsUpdate. */
export function LanguageSwitch({ compact = false }: { compact?: boolean }) {
  const { t, i18n } = useTranslation();
  const appState = useAppState();
  const update = useUpdateSettings();
  const value = (appState.data?.settings.language ?? i18n.language) as Language;
  return (
    <ChoiceGroup
      legend={t('language.label')}
      compact={compact}
      value={value}
      options={LANGUAGES.map((language) => ({
        value: language,
        label: t(`language.${language}`),
      }))}
      onChange={(language) => {
        void i18n.changeLanguage(language);
        update.mutate({ language });
      }}
    />
  );
}
