/**
 * Search over the cached messages: texts are indexed normalised (lower case, ё → е), a
 * query is its words each as a prefix ("олимп" finds «Олимпиаде»), and the snippet is cut
 * from the original text with the matched words between U+E000 and U+E001.
 */

export const MARK_START = '\uE000';
export const MARK_END = '\uE001';

/** Lower case and ё → е, one character for one (so positions in the original stay valid). */
export function normalise(text: string): string {
  let out = '';
  for (const ch of text) {
    const lower = ch.toLowerCase();
    const one = [...lower].length === 1 && lower.length === ch.length ? lower : ch;
    out += one === 'ё' ? 'е' : one;
  }
  return out;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The query's words, normalised (at most 16). */
export function queryWords(query: string): string[] {
  return [...new Set(normalise(query).match(WORD) ?? [])].slice(0, 16);
}

/** An FTS5 query: every word as a quoted prefix (words have only letters and digits). */
export function ftsQuery(words: readonly string[]): string {
  return words.map((w) => `"${w}"*`).join(' ');
}

/** The text around the first match, the matched words marked. */
export function snippetOf(text: string, words: readonly string[], width = 160): string {
  const norm = normalise(text);
  const marks: [number, number][] = [];
  for (const match of norm.matchAll(WORD)) {
    if (words.some((w) => match[0].startsWith(w))) marks.push([match.index, match.index + match[0].length]);
  }
  const first = marks[0]?.[0] ?? 0;
  let start = Math.max(0, first - Math.floor(width / 4));
  // Start at a word, not inside one.
  if (start > 0) {
    const space = text.lastIndexOf(' ', start);
    start = space >= 0 && first - space < width / 2 ? space + 1 : start;
  }
  const end = Math.min(text.length, start + width);
  let out = start > 0 ? '…' : '';
  let at = start;
  for (const [a, b] of marks) {
    if (b <= start || a >= end) continue;
    const from = Math.max(a, start);
    const to = Math.min(b, end);
    out += text.slice(at, from) + MARK_START + text.slice(from, to) + MARK_END;
    at = to;
  }
  out += text.slice(at, end);
  if (end < text.length) out += '…';
  return out.replace(/\s+/g, ' ');
}
