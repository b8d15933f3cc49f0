/**
 * Characters that make a name show something other than what it is. The file-name rules
 * (documents.ts) remove the invisible ones so an upload still goes through; the person-name
 * rules (domain.ts) refuse them, since a name is typed by a person who can type it again.
 *
 * - Format characters (Unicode category Cf): the direction marks and overrides U+200E,
 *   U+200F, U+061C, U+202A–U+202E, the isolates U+2066–U+2069, the zero-width U+200B–U+200D,
 *   U+2060, U+FEFF, the soft hyphen, the invisible operators, the tag characters. U+202E
 *   turns «Счёт\u202Efdp.exe» into «Счётexe.pdf» on screen.
 * - C1 controls U+0080–U+009F and the line/paragraph separators U+2028, U+2029: controls
 *   like C0, which file names have always turned into `_`.
 * - Lone surrogates: half of a UTF-16 pair, which no encoding can carry. TextEncoder,
 *   Buffer and SQLite would each silently turn one into U+FFFD, so they are refused instead.
 */

/** A format character, with the U+200D between two pictographs of an emoji sequence (👩‍💻, 🏳️‍🌈) captured. */
const FORMAT_BUT_EMOJI_JOINER =
  /((?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D(?=\p{Extended_Pictographic}))|\p{Cf}/gu;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu;
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\p{Cf}\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const LONE_SURROGATE = /\p{Cs}/u;

/** True when the text holds half of a surrogate pair (only a JS string can; UTF-8 cannot). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** True when the text holds a format character (Cf) or a control (C0, DEL, C1, U+2028/9). */
export function hasHiddenCharacters(text: string): boolean {
  return HIDDEN.test(text);
}

/**
 * Removes every format character (Cf), keeping only the zero-width joiner inside an emoji
 * sequence, where it draws one picture out of several and can hide nothing. Elsewhere a
 * ZWJ goes too; in Indic and Persian scripts that may change how letters join, never which
 * letters there are. Subdivision flags (tag characters) become a plain black flag.
 */
export function removeFormatCharacters(text: string): string {
  return text.replace(FORMAT_BUT_EMOJI_JOINER, (_, joiner: string | undefined) => joiner ?? '');
}

/** Controls (C0, DEL, C1, U+2028/9) replaced by `replacement`. */
export function replaceControls(text: string, replacement: string): string {
  return text.replace(CONTROLS, replacement);
}
