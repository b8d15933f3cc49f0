import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { pickBridge } from './backend/pick.js';
import { loadSettings } from './settings/webSettings.js';
import { createI18n } from './i18n.js';
import './styles/index.css';

const { bridge, target } = pickBridge();
document.documentElement.dataset.target = target;
// The web version knows its language before the first paint; the desktop app says so in app.state.
const i18n = createI18n(target === 'web' ? loadSettings(localStorage).language : 'ru');

createRoot(document.getElementById('root')!).render(<App bridge={bridge} i18n={i18n} />);
