/* ESLint (legacy config, eslint 8): TypeScript rules for src/ and test/. */
module.exports = {
  root: true,
  parser: '@typescript-eslint/parser',
  parserOptions: { ecmaVersion: 2022, sourceType: 'module' },
  plugins: ['@typescript-eslint'],
  extends: ['eslint:recommended', 'plugin:@typescript-eslint/recommended'],
  env: { node: true, es2022: true },
  ignorePatterns: ['dist/', 'node_modules/', 'coverage/'],
  rules: {
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    '@typescript-eslint/no-require-imports': 'off',
    'no-constant-condition': ['error', { checkLoops: false }],
  },
  overrides: [
    { files: ['*.js', '*.cjs'], rules: { '@typescript-eslint/no-var-requires': 'off' } },
  ],
};
