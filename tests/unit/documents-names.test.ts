import { describe, expect, it } from 'vitest';
import { freeName, numberedName, sanitizeName } from '../../src/shared/documents.js';

describe('document names', () => {
  it('keeps ordinary names and cleans unsafe ones', () => {
    expect(sanitizeName('Справка 2024.pdf')).toEqual({ ok: true, name: 'Справка 2024.pdf' });
    expect(sanitizeName('a<b>:c"d|e?f*.txt')).toEqual({ ok: true, name: 'a_b__c_d_e_f_.txt' });
    expect(sanitizeName('../secret')).toEqual({ ok: true, name: '.._secret' });
    expect(sanitizeName('C:\\Windows\\x.dll')).toEqual({ ok: true, name: 'C__Windows_x.dll' });
    expect(sanitizeName('name. . ')).toEqual({ ok: true, name: 'name' });
    expect(sanitizeName('nul')).toEqual({ ok: true, name: '_nul' });
    expect(sanitizeName('LPT1.doc')).toEqual({ ok: true, name: '_LPT1.doc' });
    expect(sanitizeName('console.log')).toEqual({ ok: true, name: 'console.log' });
  });

  it('refuses names of only dots, slashes or spaces', () => {
    for (const name of ['', '   ', '.', '..', '...', '/', '//', '\\', './..', ' . / ']) {
      expect(sanitizeName(name).ok).toBe(false);
    }
  });

  it('cuts long names to 255 bytes keeping the extension', () => {
    const result = sanitizeName(`${'я'.repeat(300)}.pdf`);
    expect(result.ok && new TextEncoder().encode(result.name).length).toBeLessThanOrEqual(255);
    expect(result.ok && result.name.endsWith('.pdf')).toBe(true);
  });

  it('numbers duplicates before the extension', () => {
    expect(numberedName('photo.jpg', 2)).toBe('photo (2).jpg');
    expect(numberedName('README', 3)).toBe('README (3)');
    const taken = new Set(['photo.jpg', 'photo (2).jpg']);
    expect(freeName('Photo.JPG', (k) => taken.has(k))).toBe('Photo (3).JPG');
    expect(freeName('photo.jpg', (k) => taken.has(k))).toBe('photo (3).jpg');
  });
});
