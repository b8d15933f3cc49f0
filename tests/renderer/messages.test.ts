import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/shared/errors.js';
import { en, ru } from '../../src/shared/messages/index.js';

/** Every leaf as "dotted.key" → text. */
function leaves(tree: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of leaves(value as object, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('message catalogue', () => {
  const ruLeaves = leaves(ru);
  const enLeaves = leaves(en);

  it('has the same keys in Russian and English', () => {
    expect([...enLeaves.keys()].sort()).toEqual([...ruLeaves.keys()].sort());
  });

  it('has a sentence for every error code in both languages', () => {
    for (const code of ERROR_CODES) {
      expect(ruLeaves.get(`errors.${code}`), `ru errors.${code}`).toBeTruthy();
      expect(enLeaves.get(`errors.${code}`), `en errors.${code}`).toBeTruthy();
    }
  });

  it('uses the same placeholders in both languages and leaves nothing empty', () => {
    for (const [key, text] of ruLeaves) {
      expect(text.trim(), key).not.toBe('');
      expect(placeholders(enLeaves.get(key) ?? ''), key).toEqual(placeholders(text));
    }
  });
});
