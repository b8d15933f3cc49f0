/**
 * The phone field holds the ten national digits after the fixed "+7" and shows
 * them as "912 345-67-89". Pasted or typed "+7…" and "8…" prefixes are dropped:
 * Russian mobile numbers start with 9.
 */
export function nationalDigits(input: string, previous: string): string {
  let digits = input.replace(/\D/g, '');
  if (digits.length > 10 || (previous === '' && /^[78]/.test(digits))) digits = digits.slice(1);
  return digits.slice(0, 10);
}

export function formatNational(digits: string): string {
  const parts = [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6, 8), digits.slice(8, 10)];
  let out = parts[0] ?? '';
  if (parts[1]) out += ` ${parts[1]}`;
  if (parts[2]) out += `-${parts[2]}`;
  if (parts[3]) out += `-${parts[3]}`;
  return out;
}

/** "+79123456789" or "89123456789" (a demo account's number) → "9123456789". */
export function digitsFromE164(phone: string): string {
  return nationalDigits(phone, '');
}
