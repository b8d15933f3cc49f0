import { describe, expect, it } from 'vitest';
import { formatPhone, maskPhone, normalizeEmail, normalizePhone } from '../../src/shared/phone.js';

describe('normalizePhone', () => {
  it.each([
    ['+7 912 345-67-89', '+79123456789'],
    ['8 (912) 345 67 89', '+79123456789'],
    ['9123456789', '+79123456789'],
    ['7-912-345-67-89', '+79123456789'],
  ])('accepts %s', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each(['', '12345', '+1 212 555 0100', '8 (495) 123-45-67', 'abc9123456789', '9'.repeat(50)])(
    'refuses %s',
    (input) => {
      expect(normalizePhone(input)).toBeNull();
    },
  );

  it('formats and masks for display', () => {
    expect(formatPhone('+79123456789')).toBe('+7 912 345-67-89');
    expect(maskPhone('+79123456789')).toBe('+7 912 ***-**-89');
  });

  it('normalizes e-mail addresses', () => {
    expect(normalizeEmail(' Masha@School.RU ')).toBe('masha@school.ru');
    expect(normalizeEmail('not an email')).toBeNull();
  });
});
