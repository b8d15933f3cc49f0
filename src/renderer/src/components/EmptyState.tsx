import type { ReactNode } from 'react';

/** What a section will hold and what to do next, instead of a blank page. */
export function EmptyState({
  icon,
  title,
  children,
}: {
  icon: ReactNode;
  title: string;
  children: ReactNode;
}) {
  return (
    <section className="empty-state card" aria-label={title}>
      <div className="empty-state-icon">{icon}</div>
      <h2 className="empty-state-title">{title}</h2>
      <div className="empty-state-text">{children}</div>
    </section>
  );
}
