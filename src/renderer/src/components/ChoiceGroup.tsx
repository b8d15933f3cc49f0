import { useEffect, useId, useState } from 'react';

/** A row of radio buttons that looks like a segmented control; arrow keys move between options. */
export function ChoiceGroup<T extends string>({
  legend,
  value,
  options,
  onChange,
  compact = false,
}: {
  legend: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (value: T) => void;
  compact?: boolean;
}) {
  const name = useId();
  // Checked at once on click; the stored value catches up when the backend answers.
  const [shown, setShown] = useState(value);
  useEffect(() => setShown(value), [value]);
  return (
    <fieldset className={`choice-group${compact ? ' choice-group-compact' : ''}`}>
      <legend className={compact ? 'visually-hidden' : 'field-label'}>{legend}</legend>
      <div className="choice-options">
        {options.map((option) => (
          <label key={option.value} className="choice">
            <input
              type="radio"
              name={name}
              value={option.value}
              checked={option.value === shown}
              onChange={() => {
                setShown(option.value);
                onChange(option.value);
              }}
            />
            <span>{option.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
