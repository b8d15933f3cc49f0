// Installers for Linux (AppImage, deb), Windows (NSIS) and macOS (dmg): `npm run dist`.
const { readFileSync } = require('node:fs');

const electronVersion = JSON.parse(readFileSync('node_modules/electron/package.json', 'utf8')).version;

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'ru.sferum.family',
  productName: 'Sferum Family',
  executableName: 'sferum-family',
  copyright: 'Sferum Family',
  directories: { output: 'dist', buildResources: 'resources' },
  // Only the built app and its runtime dependencies; never sources, tests, maps or the
  // Node-ABI build of better-sqlite3 (the Electron build ships in extraResources).
  files: [
    'out/**/*',
    'package.json',
    '!out/**/*.map',
    '!**/node_modules/better-sqlite3/{build,deps,src}/**',
    '!**/node_modules/**/{test,tests,__tests__,docs,example,examples}/**',
    '!**/node_modules/**/*.{map,md,ts,tsbuildinfo}',
  ],
  extraResources: [
    { from: `.native/electron-${electronVersion}/better_sqlite3.node`, to: 'native/better_sqlite3.node' },
  ],
  asar: true,
  protocols: [{ name: 'Sferum Family invite', schemes: ['sferum-family'] }],
  afterPack: './scripts/fuses.cjs',
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Education',
    icon: 'resources/icons',
    synopsis: 'Family, invites and documents for parents of school students',
    mimeTypes: ['x-scheme-handler/sferum-family'],
    desktop: {
      entry: {
        Name: 'Sferum Family',
        'Name[ru]': 'Сферум Семья',
        Comment: 'Family, invites and documents for parents of school students',
        'Comment[ru]': 'Семья, приглашения и документы для родителей школьников',
        MimeType: 'x-scheme-handler/sferum-family;',
        Categories: 'Education;',
        StartupWMClass: 'Sferum Family',
      },
    },
  },
  deb: { depends: ['libsecret-1-0'] },
  win: { target: ['nsis'], icon: 'resources/icon.png' },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  mac: { target: ['dmg'], category: 'public.app-category.education', icon: 'resources/icon.png' },
};
