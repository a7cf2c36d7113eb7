// One flat config for the workspace; svelte files are checked by svelte-check (see ui/package.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'ui/build/**', 'ui/.svelte-kit/**', 'data/**', '.tmp/**', '**/*.svelte'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['scripts/**', '**/bench/**', '**/sim/**', 'ui/server/main.ts', 'media/*-build/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['ui/src/**', 'ui/server/contact-center/widget/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
