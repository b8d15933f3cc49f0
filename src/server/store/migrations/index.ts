import type { Migration } from '../migrate.js';
import { m0001Accounts } from './0001-accounts.js';
import { m0002Auth } from './0002-auth.js';
import { m0003Sync } from './0003-sync.js';
import { m0004Family } from './0004-family.js';
import { m0005Documents } from './0005-documents.js';
import { m0006Support } from './0006-support.js';
import { m0007TokenPairs } from './0007-token-pairs.js';
import { m0008FamilyChanges } from './0008-family-changes.js';
import { m0009Chats } from './0009-chats.js';
import { m0010ChatRevisions } from './0010-chat-revisions.js';
import { m0011ChatSearchAttachments } from './0011-chat-search-attachments.js';
import { m0012Vkid } from './0012-vkid.js';

/** Every migration, in order. Append new files here; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  m0001Accounts,
  m0002Auth,
  m0003Sync,
  m0004Family,
  m0005Documents,
  m0006Support,
  m0007TokenPairs,
  m0008FamilyChanges,
  m0009Chats,
  m0010ChatRevisions,
  m0011ChatSearchAttachments,
  m0012Vkid,
];
