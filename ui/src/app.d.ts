import type { IncomingMessage } from 'node:http';
import type { Language } from '$lib/i18n';

/** What the server (ui/server/web/web-app.ts) attaches to the request before SvelteKit renders. */
export interface WebSession {
  user: { id: string; username: string; displayName: string; language: string; roles: string[] };
  csrfToken: string;
  landing: string;
  areas: string[];
}

declare global {
  namespace App {
    interface Locals {
      session: WebSession | null;
      lang: Language;
    }
    interface Platform {
      req: IncomingMessage & { cc?: WebSession | null };
    }
  }
}

export {};
