/**
 * The same lower case the cache's triggers compute in SQL (ASCII and the Russian
 * alphabet), for queries compared against `doc_items.name_lower`.
 */
export function docLower(value: string): string {
  let out = '';
  for (const ch of value) {
    out += (ch >= 'A' && ch <= 'Z') || (ch >= 'А' && ch <= 'Я') || ch === 'Ё' ? ch.toLowerCase() : ch;
  }
  return out;
}
