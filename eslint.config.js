// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', '.billhook/', 'test-output/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', TextDecoder: 'readonly', AbortSignal: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  {
    // One zod: lib/core/zod.ts (tree-shakable zod/mini with English messages).
    files: ['**/*.ts'],
    ignores: ['lib/core/zod.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'zod', message: "import * as z from 'lib/core/zod.ts'" }], patterns: ['zod/*'] }],
    },
  },
  {
    // The dashboard runs in the browser.
    files: ['lib/dashboard/ui/**/*.{ts,tsx}'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', location: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', FormData: 'readonly', URLSearchParams: 'readonly', HTMLElement: 'readonly', HTMLFormElement: 'readonly', Event: 'readonly', Response: 'readonly', addEventListener: 'readonly', removeEventListener: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', preact: 'readonly' },
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The pure domain must not reach for AWS, CDK or the environment.
    files: ['lib/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'undici'] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'lib/core is pure: take configuration as parameters.' }],
    },
  },
);
