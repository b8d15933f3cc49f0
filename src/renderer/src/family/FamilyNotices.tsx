import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import type { FamilyEvent } from '../../../shared/family/index.js';
import { fullName } from '../people.js';
import { changesText } from './FamilyHistory.js';
import { useFamily } from './queries.js';

/**
 * An in-app notice when someone joins or leaves a child's family, or changes the child's
 * details, while the app is open. The first look at the family is the baseline; later history lines by others
 * become notices (the desktop core also emits family.notice for a native one).
 */
export function FamilyNotices({ profile }: { profile: Profile }) {
  const { t, i18n } = useTranslation();
  const family = useFamily();
  const seen = useRef<{ userId: string; ids: Set<string>; children: Set<string> } | null>(null);
  const [notices, setNotices] = useState<FamilyEvent[]>([]);

  useEffect(() => {
    const view = family.data;
    // Only fresh data counts: a cached view from before a profile switch would make old news new.
    if (!view || family.isFetching) return;
    const children = new Set([profile.id, ...view.children.map((c) => c.profile.id)]);
    if (!seen.current || seen.current.userId !== profile.id) {
      seen.current = { userId: profile.id, ids: new Set(view.history.map((e) => e.id)), children };
      setNotices([]);
      return;
    }
    const before = seen.current;
    const fresh = view.history.filter((e) => !before.ids.has(e.id));
    for (const e of fresh) before.ids.add(e.id);
    // A child who just joined the family brings their past history: that is not news.
    const news = fresh.filter((e) => e.parentId !== profile.id && before.children.has(e.childId));
    before.children = children;
    if (news.length > 0) setNotices((list) => [...list, ...news].slice(-3));
  }, [family.data, family.isFetching, profile.id]);

  if (notices.length === 0) return null;
  const childName = (event: FamilyEvent): string => {
    if (event.childId === profile.id) return fullName(profile);
    const child = family.data?.children.find((c) => c.profile.id === event.childId);
    return child ? fullName(child.profile) : '';
  };
  const key = {
    joined: 'family.noticeJoined',
    left: 'family.noticeLeft',
    removed: 'family.noticeRemoved',
    changed: 'family.noticeChanged',
  } as const;
  return (
    <div className="family-notices" role="status" aria-live="polite" data-testid="family-notices">
      {notices.map((event) => (
        <div className="family-notice card" key={event.id}>
          <div>
            <strong className="family-notice-title">{t('family.noticeTitle')}</strong>
            <p>
              {t(key[event.action], {
                parent: event.parentName,
                child: childName(event),
                changes: changesText(event, i18n.language),
              })}
            </p>
          </div>
          <button
            type="button"
            className="btn btn-link btn-small"
            onClick={() => setNotices((list) => list.filter((n) => n.id !== event.id))}
          >
            {t('common.dismiss')}
          </button>
        </div>
      ))}
    </div>
  );
}
