// Lint rules for the whole tree: typescript-eslint everywhere, the React hooks and accessibility
// rules in the renderer. Formatting is Prettier's job (npm run check runs both).
import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'release/', 'test-results/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-control-regex': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['main/**', 'shared/**', 'test/**', 'bench/**', 'scripts/**', '*.js', '*.mjs', '*.mts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['main/electron/preload.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['renderer/**/*.{ts,tsx}', 'renderer/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks, 'jsx-a11y': jsxA11y },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...jsxA11y.flatConfigs.recommended.rules,
    },
  },
  {
    // The renderer never reaches Node: only shared/ and its own modules.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', '**/main/**'], message: 'The renderer talks to main only through shared/api.ts and the transport.' },
          ],
        },
      ],
    },
  },
  {
    // shared/ runs in main and in the renderer: no Node, no DOM, nothing from either side.
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', '**/main/**', '**/renderer/**'], message: 'shared/ runs everywhere.' }] },
      ],
    },
  },
);
