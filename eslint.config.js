// ESLint flat config. The import rules enforce the folder table of STYLE.md:
// a wrong arrow between folders fails `npm run lint`, not a review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = { group: ['node:*'], message: 'engine/core is pure: no Node built-ins (time and ids are parameters).' };
const io = (names) => names.map((name) => ({ name, message: `${name} is I/O; it belongs outside this folder (see STYLE.md).` }));

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', '.tmp/**', 'test-results/**', 'engine/schema/*.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='eval']", message: 'never eval' }, { selector: "NewExpression[callee.name='Function']", message: 'never new Function' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['engine/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: io(['knex', 'bullmq', 'express', 'pg', 'better-sqlite3', 'handlebars', 'nodemailer']), patterns: [nodeBuiltins, { group: ['../runtime/*', '../adapters/*', '../ports.js'], message: 'engine/core imports only its siblings and ../errors.js.' }] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'time is a parameter in engine/core' }, { object: 'Math', property: 'random', message: 'ids and randomness are parameters in engine/core' }],
    },
  },
  {
    files: ['engine/runtime/**/*.ts', 'engine/adapters/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: io(['express', 'handlebars', 'nodemailer']), patterns: [{ group: ['../../server/*', '../../notifications/*', '../../workflows/*'], message: 'the engine imports nothing from server/, notifications/ or workflows/.' }] }] },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: io(['knex', 'bullmq', 'express', 'pg', 'better-sqlite3', 'nodemailer']), patterns: [{ group: ['../engine/*/**', '!../engine/index.js'], message: 'workflows/ imports engine/index.ts only.' }, { group: ['../server/*', '../notifications/*'], message: 'workflows/ imports engine/index.ts only.' }] }] },
  },
  {
    files: ['notifications/**/*.ts'],
    ignores: ['notifications/knex-*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: io(['express', 'knex', 'pg', 'better-sqlite3']), patterns: [{ group: ['../engine/*/**', '!../engine/index.js'], message: 'notifications/ imports engine/index.ts only.' }, { group: ['../server/*'], message: 'notifications/ does not import server/.' }] }] },
  },
  {
    // The outbox's knex adapter: the one file of notifications/ that speaks SQL.
    files: ['notifications/knex-*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: io(['express', 'pg', 'better-sqlite3']), patterns: [{ group: ['../engine/*/**', '!../engine/index.js'], message: 'notifications/ imports engine/index.ts only.' }, { group: ['../server/*'], message: 'notifications/ does not import server/.' }] }] },
  },
  {
    files: ['server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/engine/*', '!**/engine/index.js', '**/engine/*/**', '**/notifications/*', '!**/notifications/index.js', '**/notifications/*/**', '**/workflows/*', '!**/workflows/index.js', '**/workflows/*/**'], message: 'server/ imports engine/, notifications/ and workflows/ through their index.ts only.' }] }] },
  },
  {
    files: ['examples/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../engine/*/**', '!../engine/index.js', '../workflows/*', '!../workflows/index.js', '../server/*', '!../server/index.js', '../notifications/*', '!../notifications/index.js'], message: 'examples/ and bench/ use the public index.ts files only.' }] }] },
  },
);
