import type { Handle } from '@sveltejs/kit';
import { fromAcceptLanguage, isLanguage, LANGUAGE_COOKIE } from '$lib/i18n';

/** The caller comes from the server that hosts us; the language from the cookie, the user, or the browser. */
export const handle: Handle = async ({ event, resolve }) => {
  const session = event.platform?.req?.cc ?? null;
  event.locals.session = session;
  const chosen = event.cookies.get(LANGUAGE_COOKIE);
  event.locals.lang = isLanguage(chosen)
    ? chosen
    : isLanguage(session?.user.language)
      ? session.user.language
      : (fromAcceptLanguage(event.request.headers.get('accept-language')) ?? 'en');
  return resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', event.locals.lang) });
};
