/**
 * Russian mobile numbers in the forms parents type them: "+7 912 345-67-89",
 * "8 (912) 345 67 89", "9123456789". Returns E.164 (+79123456789) or null.
 */
export function normalizePhone(input: string): string | null {
  if (input.length > 40) return null;
  if (!/^[\d\s()+\-.]+$/.test(input.trim())) return null;
  let digits = input.replace(/\D/g, '');
  if (digits.length === 11 && (digits.startsWith('8') || digits.startsWith('7'))) {
    digits = digits.slice(1);
  } else if (digits.length !== 10) {
    return null;
  }
  if (!digits.startsWith('9')) return null;
  return `+7${digits}`;
}

/** "+79123456789" → "+7 912 345-67-89", for display. */
export function formatPhone(e164: string): string {
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(e164);
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : e164;
}

/** "+79123456789" → "+7 912 ***-**-89", for places where the number is only a reminder. */
export function maskPhone(e164: string): string {
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(e164);
  return m ? `+7 ${m[1]} ***-**-${m[4]}` : e164;
}

export function normalizeEmail(input: string): string | null {
  const value = input.trim().toLowerCase();
  if (value.length > 254) return null;
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) ? value : null;
}
