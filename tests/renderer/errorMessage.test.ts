import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import { createI18n } from '../../src/renderer/src/i18n.js';
import { errorMessage } from '../../src/renderer/src/errorMessage.js';

describe('errorMessage', () => {
  const i18n = createI18n('ru');
  const t = i18n.t.bind(i18n);

  it('maps a coded error to its sentence', () => {
    expect(errorMessage(t, new AppError('OTP_INVALID'))).toBe(
      'Код не подходит. Проверьте цифры из SMS и попробуйте ещё раз.',
    );
  });

  it('puts retryAfter into the rate-limit sentence', () => {
    expect(errorMessage(t, new AppError('RATE_LIMITED', 'slow down', { retryAfter: 42 }))).toBe(
      'Слишком много попыток. Попробуйте через 42 с.',
    );
    // A phone number locked for its wrong codes waits most of a day: hours, not 86 280 s.
    expect(errorMessage(t, new AppError('RATE_LIMITED', 'slow down', { retryAfter: 86_280 }))).toBe(
      'Слишком много попыток. Попробуйте через 24 ч.',
    );
    expect(errorMessage(t, new AppError('RATE_LIMITED', 'slow down', { retryAfter: 570 }))).toBe(
      'Слишком много попыток. Попробуйте через 10 мин.',
    );
  });

  it('maps an error rebuilt across IPC (a plain object with a code)', () => {
    const fromBridge = Object.assign(new Error('offline'), { code: 'NETWORK_OFFLINE' });
    expect(errorMessage(t, fromBridge)).toBe(
      'Нет связи с сервером. Изменения сохранятся и отправятся, когда связь вернётся.',
    );
  });

  it('falls back to a generic sentence for anything else', () => {
    const generic = 'Что-то пошло не так. Попробуйте ещё раз чуть позже.';
    expect(errorMessage(t, new Error('boom'))).toBe(generic);
    expect(errorMessage(t, { code: 'NO_SUCH_CODE' })).toBe(generic);
    expect(errorMessage(t, undefined)).toBe(generic);
  });

  it('speaks English when the language is English', async () => {
    await i18n.changeLanguage('en');
    expect(errorMessage(t, new AppError('OTP_EXPIRED'))).toBe(
      'The code has expired. Please ask for a new one.',
    );
    await i18n.changeLanguage('ru');
  });
});
