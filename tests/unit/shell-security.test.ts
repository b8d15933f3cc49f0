import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  isAllowedNavigation,
  isTrustedFrameUrl,
  resolveAppFile,
} from '../../src/main/security.js';

/** The Electron security checklist, as it must read at every `new BrowserWindow` call. */
const CHECKLIST = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  disableBlinkFeatures: 'Auxclick',
};

type Literal = boolean | string | { expression: string };

/**
 * The `webPreferences` written at each `new BrowserWindow(...)` in the shell's source, read
 * from the syntax tree: a value is kept only when it is a literal in the call itself, so a
 * preference built elsewhere (a function, a variable, a spread) does not count as set.
 */
function windowPreferencesInSource(): { file: string; prefs: Record<string, Literal> | string }[] {
  const dir = resolve('src/main');
  const found: { file: string; prefs: Record<string, Literal> | string }[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const file = join(dir, name);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (
        ts.isNewExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'BrowserWindow'
      ) {
        found.push({ file: `src/main/${name}`, prefs: readPreferences(node) });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function readPreferences(call: ts.NewExpression): Record<string, Literal> | string {
  const options = call.arguments?.[0];
  if (!options || !ts.isObjectLiteralExpression(options)) return 'the options are not an object literal';
  const index = options.properties.findIndex(
    (p) => ts.isPropertyAssignment(p) && p.name.getText() === 'webPreferences',
  );
  if (index < 0) return 'no webPreferences';
  // A spread after webPreferences could replace them.
  if (options.properties.slice(index + 1).some(ts.isSpreadAssignment))
    return 'a spread follows webPreferences';
  const value = (options.properties[index] as ts.PropertyAssignment).initializer;
  if (!ts.isObjectLiteralExpression(value)) return 'webPreferences is not an object literal';
  const prefs: Record<string, Literal> = {};
  for (const p of value.properties) {
    if (!ts.isPropertyAssignment(p)) return `webPreferences holds ${p.getText()}`;
    const v = p.initializer;
    prefs[p.name.getText()] =
      v.kind === ts.SyntaxKind.TrueKeyword
        ? true
        : v.kind === ts.SyntaxKind.FalseKeyword
          ? false
          : ts.isStringLiteral(v)
            ? v.text
            : { expression: v.getText() };
  }
  return prefs;
}

describe('Electron shell security decisions', () => {
  it('writes the Electron security checklist as literals at every new BrowserWindow call', () => {
    const windows = windowPreferencesInSource();
    expect(windows.map((w) => w.file)).toEqual(['src/main/window.ts']);
    for (const { file, prefs } of windows) {
      expect(prefs, file).toMatchObject(CHECKLIST);
      expect(prefs, file).toMatchObject({ preload: { expression: 'options.preloadPath' } });
      expect(prefs, file).not.toHaveProperty('enableBlinkFeatures');
    }
  });

  it('does not count a preference built out of sight of the call', () => {
    const read = (code: string) => {
      const source = ts.createSourceFile('x.ts', code, ts.ScriptTarget.Latest, true);
      let prefs: Record<string, Literal> | string = 'none';
      const visit = (node: ts.Node): void => {
        if (ts.isNewExpression(node)) prefs = readPreferences(node);
        ts.forEachChild(node, visit);
      };
      visit(source);
      return prefs;
    };
    expect(read('new BrowserWindow({ webPreferences: secure(path) })')).toBe(
      'webPreferences is not an object literal',
    );
    expect(read('new BrowserWindow({ webPreferences: { ...secure, sandbox: true } })')).toMatch(/holds/);
    expect(read('new BrowserWindow({ webPreferences: { sandbox: true }, ...other })')).toMatch(/spread/);
    expect(read('new BrowserWindow({ webPreferences: { sandbox: on } })')).toEqual({
      sandbox: { expression: 'on' },
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
