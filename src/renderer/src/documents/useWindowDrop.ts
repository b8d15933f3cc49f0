import { useEffect, useState } from 'react';
import { MAX_FILES_PER_DROP } from '../../../shared/documents/index.js';
import type { EnqueueResult } from '../../../shared/documents/ipc.js';
import type { AppBridge } from '../backend/BridgeContext.js';
import { type DropContents, readDrop, walkEntries } from './drop.js';
import type { WebUploadEntry } from './webDocuments.js';

export interface WindowDropTarget {
  bridge: AppBridge;
  /** The folder dropped files go to. */
  folderId: string | null;
  /** No drop lands while true (the trash is open); the overlay still shows. */
  disabled: boolean;
  report: (result: EnqueueResult, notFiles?: number) => void;
  fail: (error: unknown) => void;
  /** The web version's upload of File objects. */
  uploadEntries: (entries: WebUploadEntry[], notFiles?: number) => Promise<void>;
}

/**
 * Drops anywhere on the window while the screen that calls it is open: true while files
 * are dragged over it (for the overlay), and on a drop the files go to the folder, by
 * path in the desktop app and as File objects in the web version.
 */
export function useWindowDrop(target: WindowDropTarget): boolean {
  const { bridge, folderId, disabled, report, fail, uploadEntries } = target;
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth += 1;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      // A drag that entered before this screen was there shows the overlay as it moves on.
      if (depth === 0) depth = 1;
      setDragging(true);
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setDragging(false);
      if (!e.dataTransfer || disabled) return;
      dropContents(readDrop(e.dataTransfer), { bridge, folderId, report, fail, uploadEntries });
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [bridge, folderId, disabled, report, fail, uploadEntries]);
  return dragging;
}

/** What a drop carried, to the target's upload: the desktop's paths, or the page's files. */
function dropContents(contents: DropContents, target: Omit<WindowDropTarget, 'disabled'>): void {
  const { bridge, folderId, report, fail, uploadEntries } = target;
  if (bridge.pathsForFiles) {
    const paths = bridge.pathsForFiles(contents.files);
    const good = paths.filter((p) => p !== '');
    const notFiles = contents.notFiles + (paths.length - good.length);
    if (good.length === 0) {
      report({ added: 0, refused: [] }, notFiles);
      return;
    }
    bridge
      .documentsEnqueuePaths({ paths: good, folderId })
      .then((r) => report(r, notFiles))
      .catch(fail);
    return;
  }
  void walkEntries(contents.entries, MAX_FILES_PER_DROP)
    .then((entries) =>
      uploadEntries([...entries, ...contents.plain.map((file) => ({ file, dirs: [] }))], contents.notFiles),
    )
    .catch(fail);
}
