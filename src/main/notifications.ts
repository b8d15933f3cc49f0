import { type BrowserWindow, Notification } from 'electron';
import type { NotificationsPort } from './core/ports.js';

/** Electron's native notifications behind the core's port; a click brings the window forward. */
export function electronNotifications(getWindow: () => BrowserWindow | null): NotificationsPort {
  return {
    show({ title, body }) {
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title, body });
      notification.on('click', () => {
        const window = getWindow();
        if (!window) return;
        if (window.isMinimized()) window.restore();
        window.focus();
      });
      notification.show();
    },
    windowFocused: () => getWindow()?.isFocused() ?? false,
  };
}
