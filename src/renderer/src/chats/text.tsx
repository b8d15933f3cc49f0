import { Fragment, type MouseEvent, type ReactNode } from 'react';

/** The marks the search puts around each match in a snippet. */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';

/** A snippet with its matches as <mark>: text nodes only, never HTML. */
export function Snippet({ text }: { text: string }) {
  const out: ReactNode[] = [];
  let rest = text;
  let i = 0;
  while (rest.length > 0) {
    const open = rest.indexOf(MARK_OPEN);
    if (open < 0) {
      out.push(rest.replaceAll(MARK_CLOSE, ''));
      break;
    }
    if (open > 0) out.push(rest.slice(0, open).replaceAll(MARK_CLOSE, ''));
    const close = rest.indexOf(MARK_CLOSE, open + 1);
    const end = close < 0 ? rest.length : close;
    out.push(<mark key={i++}>{rest.slice(open + 1, end).replaceAll(MARK_OPEN, '')}</mark>);
    rest = close < 0 ? '' : rest.slice(close + 1);
  }
  return <>{out}</>;
}

/** The text of a snippet without its marks (a list preview, an accessible name). */
export function plainSnippet(text: string): string {
  return text.replaceAll(MARK_OPEN, '').replaceAll(MARK_CLOSE, '');
}

// A link is http(s)://… up to a space; trailing punctuation belongs to the sentence.
const LINK = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = /[.,;:!?)\]}»"']+$/;

export interface TextPart {
  text: string;
  href: string | null;
}

/** Splits a message into plain text and http(s) links (anything else stays text). */
export function linkParts(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let raw = match[0];
    const trail = TRAILING.exec(raw)?.[0] ?? '';
    // A closing bracket stays in the link when the link opened one: (https://x/(a)).
    if (trail) raw = raw.slice(0, raw.length - trail.length);
    const start = match.index;
    const href = safeHref(raw);
    if (!href) continue;
    if (start > last) parts.push({ text: text.slice(last, start), href: null });
    parts.push({ text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), href: null });
  return parts;
}

/** Only http and https addresses with a host, no user and password in them. */
export function safeHref(raw: string): string | null {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!url.hostname || url.username || url.password) return null;
    return url.href;
  } catch {
    return null;
  }
}

/**
 * A message's text as plain text: line breaks kept (CSS pre-wrap), links clickable. The
 * web version follows the link in a new tab with no opener and no referrer; the desktop
 * app hands it to `open` (the core's vetted shell.openExternal), so the window itself
 * navigates nowhere.
 */
export function MessageText({ text, open }: { text: string; open: ((href: string) => void) | null }) {
  return (
    <>
      {linkParts(text).map((part, i) =>
        part.href ? (
          <a
            key={i}
            href={part.href}
            target="_blank"
            rel="noopener noreferrer"
            onClick={
              open
                ? (event: MouseEvent) => {
                    event.preventDefault();
                    open(part.href!);
                  }
                : undefined
            }
          >
            {part.text}
          </a>
        ) : (
          <Fragment key={i}>{part.text}</Fragment>
        ),
      )}
    </>
  );
}
