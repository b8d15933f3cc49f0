import { en } from './en.js';
import { ru, type Catalogue } from './ru.js';

export { en, ru, type Catalogue };

/** Every catalogue by language; Russian first (the default). */
export const catalogues = { ru, en } as const;
