import { useCallback, useEffect, useRef, useState } from 'react';
import type { DocItem, EnqueueResult, UploadQueueState } from '../../../shared/documents/ipc.js';
import type { AppBridge } from '../backend/BridgeContext.js';
import { readDrop } from '../documents/drop.js';

/** A dropped file on its way into «Мои документы», to be attached once it is there. */
export interface PendingFile {
  name: string;
  /** The reason it cannot be attached (refused, or its upload failed). */
  error: { code: string; message: string } | null;
}

/**
 * Files dropped onto the chat: they go into «Мои документы» (the desktop app by path
 * through the core's upload queue, the web version as File objects through its tus
 * uploads), and each is attached to the message being written once its upload is done.
 */
export function useChatDrop({
  bridge,
  enabled,
  onAttach,
}: {
  bridge: AppBridge;
  enabled: boolean;
  onAttach: (item: DocItem) => void;
}): { dragging: boolean; pending: PendingFile[]; dismiss: (name: string) => void } {
  const [dragging, setDragging] = useState(false);
  const [pending, setPending] = useState<PendingFile[]>([]);
  const waiting = useRef(new Set<string>());
  const attach = useRef(onAttach);
  attach.current = onAttach;

  const settle = useCallback((name: string, error: PendingFile['error']) => {
    if (error) {
      waiting.current.delete(name);
      setPending((list) => list.map((p) => (p.name === name ? { ...p, error } : p)));
      return;
    }
    waiting.current.delete(name);
    setPending((list) => list.filter((p) => p.name !== name));
  }, []);

  /** The newest file of that name at the top of «Мои документы». */
  const lookUp = useCallback(
    async (name: string) => {
      const out = await bridge.documentsList({
        view: 'folder',
        folderId: null,
        query: '',
        sort: 'date',
        desc: true,
        offset: 0,
        limit: 200,
      });
      const item = out.items.find((i) => i.kind === 'document' && i.name === name);
      if (!item) return false;
      if (waiting.current.has(name)) {
        settle(name, null);
        attach.current(item);
      }
      return true;
    },
    [bridge, settle],
  );

  // An upload that is done: its file is attached; one that failed says why.
  useEffect(() => {
    if (!enabled || typeof bridge.on !== 'function') return;
    return bridge.on('uploads.state', (state: UploadQueueState) => {
      for (const item of state.items) {
        if (!waiting.current.has(item.name)) continue;
        if (item.state === 'done') void lookUp(item.name).catch(() => undefined);
        else if (item.state === 'failed' || item.state === 'cancelled') {
          settle(item.name, item.error ?? { code: 'INTERNAL', message: '' });
        }
      }
    });
  }, [bridge, enabled, lookUp, settle]);

  const report = useCallback(
    (names: string[], result: EnqueueResult) => {
      for (const r of result.refused) settle(r.name, { code: r.code, message: r.message });
      // Files the server already holds from an earlier upload are attached at once.
      if ((result.present ?? 0) > 0 || result.added === 0) {
        for (const name of names) if (waiting.current.has(name)) void lookUp(name).catch(() => undefined);
      }
    },
    [settle, lookUp],
  );

  useEffect(() => {
    if (!enabled) return;
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
      if (!e.dataTransfer) return;
      const contents = readDrop(e.dataTransfer);
      // Files only: a dropped folder is not attached (nor uploaded from here).
      const folders = new Set(
        contents.entries.filter((entry) => entry.isDirectory).map((entry) => entry.name),
      );
      const files = contents.files.filter((f) => !folders.has(f.name));
      if (files.length === 0) return;
      const names = files.map((f) => f.name);
      for (const name of names) waiting.current.add(name);
      setPending((list) => [
        ...list.filter((p) => !names.includes(p.name)),
        ...names.map((name) => ({ name, error: null })),
      ]);
      const fail = (error: unknown) => {
        const code = (error as { code?: string }).code ?? 'INTERNAL';
        for (const name of names) settle(name, { code, message: String((error as Error).message ?? '') });
      };
      if (bridge.pathsForFiles) {
        const paths = bridge.pathsForFiles(files).filter((p) => p !== '');
        if (paths.length === 0) {
          fail({ code: 'UPLOAD_NOT_A_FILE', message: '' });
          return;
        }
        bridge
          .documentsEnqueuePaths({ paths, folderId: null })
          .then((r) => report(names, r))
          .catch(fail);
        return;
      }
      if (!bridge.uploadFiles) return;
      bridge
        .uploadFiles(
          files.map((file) => ({ file, dirs: [] })),
          null,
        )
        .then((r) => report(names, r))
        .catch(fail);
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
  }, [bridge, enabled, report, settle]);

  const dismiss = useCallback((name: string) => {
    waiting.current.delete(name);
    setPending((list) => list.filter((p) => p.name !== name));
  }, []);

  return { dragging, pending, dismiss };
}
