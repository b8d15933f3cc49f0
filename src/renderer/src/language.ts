import { type Language, LanguageSchema } from '../../shared/ipc.js';

export type { Language };
export const LANGUAGES: readonly Language[] = LanguageSchema.options;
