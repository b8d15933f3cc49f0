// electron-builder afterPack hook: flips the Electron fuses of the packaged binary.
// The fuse settings are exported too, so a test can check them without packaging.
const path = require('node:path');

/** Fuse name (as in @electron/fuses' FuseV1Options) → on or off. */
const FUSES = {
  RunAsNode: false,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableCookieEncryption: true,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  GrantFileProtocolExtraPrivileges: false,
};

function executablePath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const info = packager.appInfo;
  if (electronPlatformName === 'darwin') return path.join(appOutDir, `${info.productFilename}.app`);
  if (electronPlatformName === 'win32') return path.join(appOutDir, `${info.productFilename}.exe`);
  return path.join(appOutDir, packager.executableName);
}

async function afterPack(context) {
  const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');
  const options = { version: FuseVersion.V1 };
  for (const [name, value] of Object.entries(FUSES)) options[FuseV1Options[name]] = value;
  if (context.electronPlatformName === 'darwin') options.resetAdHocDarwinSignature = context.arch === 3; // arm64
  await flipFuses(executablePath(context), options);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.FUSES = FUSES;
