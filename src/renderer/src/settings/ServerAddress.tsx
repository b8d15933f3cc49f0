import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServerInfo } from '../../../shared/api.js';
import type { AppState } from '../../../shared/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { TextField } from '../components/TextField.js';
import { errorMessage } from '../errorMessage.js';

type Check = { kind: 'ok'; info: ServerInfo } | { kind: 'error'; message: string } | null;

/**
 * The desktop app's server: the one built into the app (no configuration) or a
 * school's. An address is checked before it is saved; the app's own window (not this
 * page) then asks the parent to confirm, since another server signs every local
 * profile out.
 */
export function ServerAddress({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const client = useQueryClient();
  const saved = state.settings.serverUrl;
  const [value, setValue] = useState(saved ?? '');
  const [check, setCheck] = useState<Check>(null);
  const [busy, setBusy] = useState(false);
  const target = value.trim() === '' ? null : value.trim();
  const changed = target !== saved;

  async function run(action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
    } catch (caught) {
      setCheck({ kind: 'error', message: errorMessage(t, caught) });
    } finally {
      setBusy(false);
    }
  }

  const checkConnection = () =>
    run(async () => {
      setCheck(null);
      setCheck({ kind: 'ok', info: await bridge.settingsCheckServer({ url: target }) });
    });

  const save = () =>
    run(async () => {
      await bridge.settingsUpdate({ serverUrl: target });
      setCheck(null);
      await client.invalidateQueries();
    });

  function submit(event: FormEvent) {
    event.preventDefault();
    void (changed ? save() : checkConnection());
  }

  return (
    <section className="card stack" aria-labelledby="settings-server">
      <h2 className="section-title" id="settings-server">
        {t('settings.serverTitle')}
      </h2>
      <p className="muted">
        {saved ? t('settings.serverSchool', { url: saved }) : t('settings.serverEmbedded')}
      </p>
      <form className="stack" onSubmit={submit} noValidate>
        <TextField
          label={t('settings.serverLabel')}
          hint={t('settings.serverHint')}
          placeholder="https://family.school.ru"
          inputMode="url"
          autoComplete="url"
          spellCheck={false}
          value={value}
          onChange={(event) => {
            setValue(event.target.value);
            setCheck(null);
          }}
          error={check?.kind === 'error' ? check.message : null}
          data-testid="server-url"
        />
        {check?.kind === 'ok' ? (
          <p className="notice notice-success" role="status">
            {check.info.demo
              ? t('settings.serverOkDemo', { version: check.info.version })
              : t('settings.serverOk', { version: check.info.version })}
          </p>
        ) : null}
        <div className="actions">
          <button
            type="button"
            className="btn btn-secondary"
            disabled={busy}
            onClick={() => void checkConnection()}
          >
            {t('settings.serverCheck')}
          </button>
          {changed ? (
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {target === null ? t('settings.serverUseEmbedded') : t('settings.serverSave')}
            </button>
          ) : null}
        </div>
      </form>
    </section>
  );
}
