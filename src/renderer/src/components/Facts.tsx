/** Label–value pairs of a profile card (school, class, phone...). */
export function Facts({ rows }: { rows: readonly { label: string; value: string }[] }) {
  return (
    <dl className="facts">
      {rows.map((row) => (
        <div className="fact" key={row.label}>
          <dt>{row.label}</dt>
          <dd>{row.value}</dd>
        </div>
      ))}
    </dl>
  );
}
