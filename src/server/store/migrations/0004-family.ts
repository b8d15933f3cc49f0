import type { Migration } from '../migrate.js';

/** Family: parent–child links, invites, the family history. (Filled in by the family capability.) */
export const m0004Family: Migration = {
  version: 4,
  name: '0004-family',
  up() {},
};
