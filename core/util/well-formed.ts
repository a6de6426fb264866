/**
 * Text that every UTF-8 consumer accepts: a lone UTF-16 surrogate (which
 * JSON.parse makes from a `\ud800` escape in a source's `json` column)
 * becomes U+FFFD. PostgreSQL's jsonb, for one, refuses lone surrogates.
 */
const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}
