import { describe, expect, it } from 'vitest';
import { NAME_HIDDEN_CHARACTERS, PersonNameSchema } from '../../src/shared/domain.js';
import { ChildCorrectionsSchema } from '../../src/shared/family/index.js';

const ok = { surname: 'Иванова', name: 'Мария', patronymic: 'Петровна' };

function refusal(value: Record<string, unknown>, schema = PersonNameSchema) {
  const parsed = schema.safeParse(value);
  expect(parsed.success).toBe(false);
  return parsed.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('person names', () => {
  it('keeps ordinary names, trimmed and in NFC', () => {
    expect(PersonNameSchema.parse({ surname: " Д'Артаньян-Иванов ", name: 'Анна Мария' })).toEqual({
      surname: "Д'Артаньян-Иванов",
      name: 'Анна Мария',
      patronymic: '',
    });
    // «Й» typed as И + combining breve is stored as the one letter.
    const name = PersonNameSchema.parse({ ...ok, name: 'И\u0306ван' }).name;
    expect(name).toBe('Йван');
    expect(name).toHaveLength(4);
  });

  it('refuses direction marks and overrides, isolates, zero-width and control characters with a sentence of their own', () => {
    const hidden = [
      '\u202E',
      '\u202D',
      '\u200E',
      '\u200F',
      '\u061C',
      '\u2066',
      '\u2069',
      '\u200B',
      '\u200C',
      '\u200D',
      '\u2060',
      '\uFEFF',
      '\u00AD',
      '\u0085',
      '\u009F',
      '\u2028',
      '\u0007',
    ];
    for (const c of hidden) {
      const hex = `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`;
      expect(refusal({ ...ok, surname: `Ива${c}нова` }), hex).toEqual([
        { path: 'surname', message: NAME_HIDDEN_CHARACTERS },
      ]);
    }
    // At the edges too: a BOM or a mark pasted with the name is refused, not silently trimmed away.
    expect(refusal({ ...ok, name: '\uFEFFМария' })).toEqual([
      { path: 'name', message: NAME_HIDDEN_CHARACTERS },
    ]);
    expect(refusal({ ...ok, patronymic: 'Петровна\u200F' })).toEqual([
      { path: 'patronymic', message: NAME_HIDDEN_CHARACTERS },
    ]);
  });

  it('refuses a lone surrogate rather than storing U+FFFD', () => {
    expect(refusal({ ...ok, name: 'Мар\uD800ия' })).toEqual([
      { path: 'name', message: NAME_HIDDEN_CHARACTERS },
    ]);
  });

  it('applies the same rule to the child’s details a parent confirms', () => {
    expect(
      refusal({ ...ok, surname: 'Петров\u202E', birthDate: '2015-02-01' }, ChildCorrectionsSchema),
    ).toEqual([{ path: 'surname', message: NAME_HIDDEN_CHARACTERS }]);
    expect(ChildCorrectionsSchema.parse({ ...ok, patronymic: '  ', birthDate: null }).patronymic).toBe('');
  });
});
