/** The title of a section and one line on what it is for. */
export function ScreenHeader({ title, lead }: { title: string; lead?: string }) {
  return (
    <header className="screen-header">
      <h1 className="screen-title">{title}</h1>
      {lead ? <p className="screen-lead">{lead}</p> : null}
    </header>
  );
}
