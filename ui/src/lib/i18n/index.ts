import { en, type MessageKey } from './en';
import { fi } from './fi';
import { sv } from './sv';

export const LANGUAGES = ['fi', 'sv', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_NAMES: Record<Language, string> = { fi: 'Suomi', sv: 'Svenska', en: 'English' };
export const LANGUAGE_COOKIE = 'lang';

const catalogues = { fi, sv, en };

export const isLanguage = (value: unknown): value is Language => LANGUAGES.includes(value as Language);

/** A translator for one language: `t('signin.rateLimited', { seconds: 30 })`. */
export function translator(lang: Language) {
  const messages = catalogues[lang];
  return (key: MessageKey, values: Record<string, string | number> = {}) =>
    messages[key].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

/** Picks the best of our languages from an Accept-Language header, by its q-values. */
export function fromAcceptLanguage(header: string | null): Language | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { base: tag.toLowerCase().split('-')[0], q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.map((entry) => (entry.base === 'nb' || entry.base === 'no' ? undefined : entry.base)).find(isLanguage);
}

export type { MessageKey };
