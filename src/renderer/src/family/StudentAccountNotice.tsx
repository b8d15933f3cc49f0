import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import { displayName } from '../people.js';
import './family.css';
import { FormError } from '../components/FormError.js';
import { useSignOut } from '../auth/useSignOut.js';

const storageKey = (profileId: string) => `sferum.studentNotice.${profileId}`;

function dismissedHere(profileId: string): boolean {
  try {
    return localStorage.getItem(storageKey(profileId)) === 'dismissed';
  } catch {
    return false;
  }
}

/** A sign-in on a student's account shows the notice again, whoever dismissed it before. */
export function showStudentNoticeAgain(profile: Profile): void {
  if (profile.role !== 'student') return;
  try {
    localStorage.removeItem(storageKey(profile.id));
  } catch {
    // No storage: the notice shows anyway.
  }
}

/**
 * Whoever is signed in on a student's account is told so on the first screen: a mother who
 * signed in with the number the school gave her child would otherwise be in the child's
 * profile without a word. The memo's advice (no child on a parent's number) and the way to
 * the parent's own sign-in come with it. It goes only when the student says it is theirs
 * (remembered on this device until the next sign-in); parents never see it.
 */
export function StudentAccountNotice({ profile }: { profile: Profile }) {
  const { t } = useTranslation();
  const [dismissed, setDismissed] = useState(() => dismissedHere(profile.id));
  const { signOut, busy, error } = useSignOut();
  if (profile.role !== 'student' || dismissed) return null;

  function dismiss() {
    try {
      localStorage.setItem(storageKey(profile.id), 'dismissed');
    } catch {
      // Not remembered: it shows again next time, which is no harm.
    }
    setDismissed(true);
  }

  return (
    <section
      className="card student-notice"
      aria-labelledby="student-notice-title"
      data-testid="student-notice"
    >
      <h2 className="section-title" id="student-notice-title">
        {t('studentNotice.title', { name: displayName(profile) })}
      </h2>
      <p>{t('studentNotice.parent')}</p>
      <p className="notice notice-warning">{t('studentNotice.phoneWarning')}</p>
      <FormError message={error} />
      <div className="actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy}
          data-testid="student-notice-sign-out"
          onClick={() => void signOut()}
        >
          {busy ? t('studentNotice.signingOut') : t('studentNotice.signOut')}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          disabled={busy}
          data-testid="student-notice-dismiss"
          onClick={dismiss}
        >
          {t('studentNotice.dismiss')}
        </button>
      </div>
    </section>
  );
}
