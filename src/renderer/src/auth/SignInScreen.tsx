import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import { formatPhone } from '../../../shared/phone.js';
import { useBridge } from '../backend/BridgeContext.js';
import { SignInExtras } from './SignInExtras.js';
import { FamilyIcon, LogoMark, ShieldIcon, DocumentsIcon } from '../components/icons.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { errorMessage } from '../errorMessage.js';
import { useAppState } from '../queries.js';
import type { SignedOutReason } from '../useBridgeEvents.js';
import { AddressStep, type Channel } from './AddressStep.js';
import { CodeStep } from './CodeStep.js';
import { DemoHint } from './DemoHint.js';
import { NameStep } from './NameStep.js';
import { VkIdButton } from './VkIdButton.js';
import type { VkIdOutcome } from '../../../shared/auth/ipc.js';
import type { PersonName } from '../../../shared/domain.js';
import { digitsFromE164 } from './phoneMask.js';

type Step =
  | { kind: 'address' }
  | { kind: 'code'; address: string; requestId: string; resendAt: number; devCode?: string | undefined }
  | { kind: 'name'; suggested?: PersonName }
  /** VK ID gave a phone that has an account here: our code to it confirms the link. */
  | { kind: 'vkLink'; phone: string; resendAt: number; devCode?: string | undefined };

/** Sign-in the way VK ID does it: phone → one-time code → (new person) name. E-mail for pupils. */
export function SignInScreen({
  reason,
  onSignedIn,
}: {
  reason: SignedOutReason | null;
  onSignedIn: (profile: Profile) => void;
}) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const server = useAppState().data?.server ?? null;
  const [channel, setChannel] = useState<Channel>('phone');
  const [phoneDigits, setPhoneDigits] = useState('');
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<Step>({ kind: 'address' });

  async function requestCode(address: string) {
    const answer = await bridge.authRequestCode(
      channel === 'phone' ? { channel, phone: address } : { channel, email: address },
    );
    setCode('');
    setStep({
      kind: 'code',
      address,
      requestId: answer.requestId,
      resendAt: Date.now() + answer.resendAfter * 1000,
      devCode: answer.devCode,
    });
  }

  async function verify(requestId: string, value: string) {
    const answer = await bridge.authVerifyCode({ requestId, code: value });
    if (answer.status === 'signed_in') onSignedIn(answer.profile);
    else setStep({ kind: 'name' });
  }

  function vkOutcome(outcome: VkIdOutcome) {
    setCode('');
    if (outcome.status === 'signed_in') onSignedIn(outcome.profile);
    else if (outcome.status === 'registration_required')
      setStep({ kind: 'name', suggested: outcome.suggestedName });
    else {
      setStep({
        kind: 'vkLink',
        phone: outcome.phone,
        resendAt: Date.now() + outcome.resendAfter * 1000,
        devCode: outcome.devCode,
      });
    }
  }

  return (
    <div className="signin">
      <section className="signin-brand" aria-hidden="false">
        <div className="signin-brand-top">
          <LogoMark size={40} />
          <span className="signin-brand-name">{t('app.name')}</span>
        </div>
        <div className="signin-brand-body">
          <p className="signin-brand-tagline">{t('app.tagline')}</p>
          <ul className="signin-points">
            <li>
              <FamilyIcon />
              <span>{t('family.severalChildren')}</span>
            </li>
            <li>
              <DocumentsIcon />
              <span>{t('documents.emptyText')}</span>
            </li>
            <li>
              <ShieldIcon />
              <span>{t('signin.privacy')}</span>
            </li>
          </ul>
        </div>
      </section>
      <main className="signin-main" id="main">
        <div className="signin-topbar">
          <LanguageSwitch compact />
        </div>
        <div className="signin-card card">
          <h1 className="signin-title">{t('signin.title')}</h1>
          <SignInExtras />
          {reason ? (
            <p className="notice notice-warning" role="alert">
              {t('signin.signedOutReason', { reason: errorMessage(t, reason) })}
            </p>
          ) : null}
          {step.kind === 'address' ? (
            <>
              <AddressStep
                channel={channel}
                value={channel === 'phone' ? phoneDigits : email}
                onChange={channel === 'phone' ? setPhoneDigits : setEmail}
                onChannelChange={setChannel}
                onSubmit={requestCode}
              />
              <VkIdButton onOutcome={vkOutcome} />
              {server?.demo ? (
                <DemoHint
                  accounts={server.demoAccounts}
                  onPickAccount={(account) => {
                    if (account.phone) {
                      setChannel('phone');
                      setPhoneDigits(digitsFromE164(account.phone));
                    } else if (account.email) {
                      setChannel('email');
                      setEmail(account.email);
                    }
                  }}
                />
              ) : null}
            </>
          ) : null}
          {step.kind === 'code' ? (
            <>
              <CodeStep
                channel={channel}
                // No line break inside the number.
                address={
                  channel === 'phone' ? formatPhone(step.address).replace(/ /g, '\u00a0') : step.address
                }
                resendAt={step.resendAt}
                code={code}
                onCodeChange={setCode}
                onSubmit={(value) => verify(step.requestId, value)}
                onResend={() => requestCode(step.address)}
                onBack={() => setStep({ kind: 'address' })}
              />
              {server?.demo || step.devCode ? (
                <DemoHint code={step.devCode} onUseCode={() => step.devCode && setCode(step.devCode)} />
              ) : null}
            </>
          ) : null}
          {step.kind === 'name' ? (
            <NameStep
              initial={step.suggested}
              onSubmit={async (name) => onSignedIn(await bridge.authRegister(name))}
            />
          ) : null}
          {step.kind === 'vkLink' ? (
            <>
              <p className="notice" role="status" data-testid="vkid-link-notice">
                {t('vkid.linkNotice')}
              </p>
              <CodeStep
                channel="phone"
                address={step.phone}
                resendAt={step.resendAt}
                code={code}
                onCodeChange={setCode}
                onSubmit={async (value) => onSignedIn(await bridge.authVkidConfirmLink({ code: value }))}
                onResend={async () => setStep({ kind: 'address' })}
                onBack={() => setStep({ kind: 'address' })}
              />
              {step.devCode ? (
                <DemoHint code={step.devCode} onUseCode={() => step.devCode && setCode(step.devCode)} />
              ) : null}
            </>
          ) : null}
        </div>
      </main>
    </div>
  );
}
