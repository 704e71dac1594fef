// Lint configuration: typescript-eslint's recommended preset over the sources, tests and benchmark, few local rules.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `const { name: _name, ...rest } = spec` is how this code base omits a field: the rest is what is used.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read decoded JSON bodies freely (`body(res).id`); a wrong shape fails the assertion that reads it.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/dashboard/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
