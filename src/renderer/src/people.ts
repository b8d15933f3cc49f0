import type { Profile } from '../../shared/domain.js';

/** "Иванова Мария Петровна": surname, name, patronymic, as Russian forms write it. */
export function fullName(p: Pick<Profile, 'surname' | 'name' | 'patronymic'>): string {
  return [p.surname, p.name, p.patronymic].filter(Boolean).join(' ');
}

/** "Мария Иванова": how the header greets the person. */
export function displayName(p: Pick<Profile, 'surname' | 'name'>): string {
  return [p.name, p.surname].filter(Boolean).join(' ');
}

export function initials(p: Pick<Profile, 'surname' | 'name'>): string {
  return `${p.name.charAt(0)}${p.surname.charAt(0)}`.toUpperCase();
}
