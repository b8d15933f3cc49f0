import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  isAllowedNavigation,
  isTrustedFrameUrl,
  resolveAppFile,
  secureWebPreferences,
} from '../../src/main/security.js';

describe('Electron shell security decisions', () => {
  it('keeps the Electron security checklist in the window preferences', () => {
    const prefs = secureWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('answers IPC only for the app origin', () => {
    expect(isTrustedFrameUrl('app://sferum/index.html')).toBe(true);
    expect(isTrustedFrameUrl('app://sferum/#/family')).toBe(true);
    for (const url of [
      null,
      '',
      'https://sferum.ru/',
      'file:///etc/passwd',
      'app://evil/index.html',
      'not a url',
    ]) {
      expect(isTrustedFrameUrl(url)).toBe(false);
    }
  });

  it('refuses navigation away from the app', () => {
    expect(isAllowedNavigation('https://example.com/')).toBe(false);
    expect(isAllowedNavigation('app://sferum/index.html')).toBe(true);
  });

  it('serves only files inside the built renderer', () => {
    const root = resolve('out/renderer');
    expect(resolveAppFile(root, 'app://sferum/')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://sferum/assets/index.js')).toBe(join(root, 'assets/index.js'));
    expect(resolveAppFile(root, 'app://sferum/../../etc/passwd')).toBe(join(root, 'etc/passwd'));
    expect(resolveAppFile(root, 'app://sferum/%2e%2e/%2e%2e/etc/passwd')).toBe(join(root, 'etc/passwd'));
    expect(resolveAppFile(root, 'app://sferum/..%2f..%2f..%2fetc/passwd')).toBeNull();
    expect(resolveAppFile(root, 'app://sferum/%E0%A4%A')).toBeNull();
    expect(resolveAppFile(root, 'app://sferum/a%00b')).toBeNull();
    expect(resolveAppFile(root, 'app://other/index.html')).toBeNull();
    expect(resolveAppFile(root, 'https://sferum/index.html')).toBeNull();
  });

  it('has a strict content security policy', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });
});
