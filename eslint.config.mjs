// ESLint (make lint). TypeScript with typed rules: each file is checked with the types of the
// tsconfig.json nearest to it (typescript-eslint's project service). JavaScript: the k6 scripts
// (k6's globals; k6 runs them, not Node) and the Node scripts and tests.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// A leading underscore marks what is unused on purpose (an Express error handler's next, a catch's error).
const unused = { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' };

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'bench/results/**', 'experiments/examples/**', 'experiments/results/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-unused-vars': ['error', unused] },
  },
  {
    // Tests probe JSON answers of any shape, and chai asserts with property reads (`.to.be.true`).
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], extends: [js.configs.recommended], rules: { 'no-unused-vars': ['error', unused] } },
  {
    // k6 runs these, not Node: k6's globals only.
    files: ['k6-operator/scripts/*.js', 'charts/test/drain.js'],
    languageOptions: { sourceType: 'module', globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly', open: 'readonly', console: 'readonly' } },
  },
  { files: ['bench/*.js'], languageOptions: { sourceType: 'commonjs', globals: globals.node } },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module', globals: globals.node } },
);
