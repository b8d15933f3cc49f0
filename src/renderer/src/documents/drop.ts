import { AppError } from '../../../shared/errors.js';
import type { WebUploadEntry } from './webDocuments.js';

/**
 * What a drop holds, read while the drop event is still alive (a DataTransfer empties
 * itself once the handler returns). `entries` are browser entries (files and whole
 * folders, for the web version); `files` are the top-level File objects (the desktop
 * turns them into paths through the preload); `notFiles` counts dropped text, links
 * and other things that are not files.
 */
export interface DropContents {
  files: File[];
  entries: FileSystemEntry[];
  /** Files that came without an entry. */
  plain: File[];
  notFiles: number;
}

export function readDrop(data: DataTransfer): DropContents {
  const entries: FileSystemEntry[] = [];
  const plain: File[] = [];
  let notFiles = 0;
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') {
      notFiles += 1;
      continue;
    }
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
    else {
      // A file the page made itself (or a browser without entries): no folder to walk.
      const file = item.getAsFile();
      if (file) plain.push(file);
      else notFiles += 1;
    }
  }
  return { files: Array.from(data.files), entries, plain, notFiles };
}

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(out);
        else {
          out.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/**
 * Walks dropped folders into files with their folder path. The folders are read first
 * and the files asked for only when there are at most `limit` of them: a folder that is
 * too big is refused (UPLOAD_TOO_MANY_FILES) as soon as its size is known.
 */
export async function walkEntries(entries: FileSystemEntry[], limit: number): Promise<WebUploadEntry[]> {
  const found: { entry: FileSystemFileEntry; dirs: string[] }[] = [];
  const visit = async (entry: FileSystemEntry, dirs: string[]): Promise<void> => {
    if (found.length > limit) return;
    if (entry.isFile) {
      found.push({ entry: entry as FileSystemFileEntry, dirs });
    } else if (entry.isDirectory) {
      const children = await readAll((entry as FileSystemDirectoryEntry).createReader());
      children.sort((a, b) => a.name.localeCompare(b.name));
      for (const child of children) await visit(child, [...dirs, entry.name]);
    }
  };
  for (const entry of entries) await visit(entry, []);
  if (found.length > limit) {
    throw new AppError('UPLOAD_TOO_MANY_FILES', `At most ${limit} files at once.`);
  }
  return Promise.all(found.map(async ({ entry, dirs }) => ({ file: await fileOf(entry), dirs })));
}

/** Files from <input type=file webkitdirectory>: their relative path gives the folders. */
export function entriesFromInput(files: FileList): WebUploadEntry[] {
  return Array.from(files).map((file) => {
    const rel = (file as File & { webkitRelativePath?: string }).webkitRelativePath ?? '';
    const parts = rel.split('/').filter(Boolean);
    return { file, dirs: parts.slice(0, -1) };
  });
}
