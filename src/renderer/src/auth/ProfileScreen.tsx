import { Facts } from '../components/Facts.js';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import { maskPhone } from '../../../shared/phone.js';
import { useBridge } from '../backend/BridgeContext.js';
import { NameFields, useNameForm } from '../components/NameFields.js';
import { errorMessage } from '../errorMessage.js';
import { StudentFamilyPanel } from '../family/StudentParents.js';
import { fullName, initials } from '../people.js';
import { keys, useSetProfile } from '../queries.js';
import type { Rejection } from '../useBridgeEvents.js';
import { ScreenHeader } from '../components/ScreenHeader.js';
import { FormError } from '../components/FormError.js';

/** The signed-in person: name, role, school, class, contact; the name can be edited. */
export default function ProfileScreen({ profile }: { profile: Profile }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const client = useQueryClient();
  const rejection = useQuery<Rejection | null>({
    queryKey: keys.lastRejection,
    queryFn: () => null,
    staleTime: Infinity,
  }).data;
  const shownRejection = rejection?.type === 'profile.update' ? rejection : null;

  // The role is the badge under the name; a parent has no school of their own.
  const rows: { label: string; value: string }[] = [];
  if (profile.school) rows.push({ label: t('profile.school'), value: profile.school.name });
  else if (profile.role === 'student')
    rows.push({ label: t('profile.school'), value: t('profile.noSchool') });
  if (profile.class) rows.push({ label: t('profile.class'), value: profile.class.name });
  if (profile.phone) rows.push({ label: t('profile.phone'), value: maskPhone(profile.phone) });
  if (profile.email) rows.push({ label: t('profile.email'), value: profile.email });

  return (
    <div className="screen">
      <ScreenHeader title={t('profile.title')} lead={t('profile.lead')} />
      <section className="card profile-card">
        <div className="profile-head">
          <span className="avatar avatar-large" aria-hidden="true">
            {initials(profile)}
          </span>
          <div>
            <h2 className="profile-name">{fullName(profile)}</h2>
            <span className="badge badge-accent">
              <span className="visually-hidden">{t('profile.role')}: </span>
              {t(`roles.${profile.role}`)}
            </span>
          </div>
          {!editing ? (
            <button
              type="button"
              className="btn btn-secondary profile-edit"
              onClick={() => {
                setSaved(false);
                setEditing(true);
              }}
            >
              {t('profile.editName')}
            </button>
          ) : null}
        </div>
        {shownRejection ? (
          <div className="notice notice-error" role="alert">
            <span>{t('profile.rejected', { reason: errorMessage(t, shownRejection) })}</span>
            <button
              type="button"
              className="btn btn-link btn-small"
              onClick={() => client.setQueryData(keys.lastRejection, null)}
            >
              {t('common.dismiss')}
            </button>
          </div>
        ) : null}
        {saved && !shownRejection ? (
          <p className="notice notice-success" role="status">
            {t('profile.saved')}
          </p>
        ) : null}
        {editing ? (
          <EditName
            profile={profile}
            onDone={(didSave) => {
              setEditing(false);
              setSaved(didSave);
              if (didSave) client.setQueryData(keys.lastRejection, null);
            }}
          />
        ) : (
          <Facts rows={rows} />
        )}
      </section>
      {profile.role === 'student' ? <StudentFamilyPanel /> : null}
    </div>
  );
}

function EditName({ profile, onDone }: { profile: Profile; onDone: (saved: boolean) => void }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const setProfile = useSetProfile();
  const { value, setValue, errors, formError, busy, submit } = useNameForm(
    { surname: profile.surname, name: profile.name, patronymic: profile.patronymic },
    async (name) => {
      setProfile(await bridge.profileUpdate(name));
      onDone(true);
    },
  );

  return (
    <form className="stack edit-name" onSubmit={submit} noValidate>
      <h3 className="section-title">{t('profile.editTitle')}</h3>
      <NameFields value={value} errors={errors} onChange={setValue} autoFocus />
      <FormError message={formError} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('common.saving') : t('common.save')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
