// Lint for the extension (src/), the server (server-proxy/src) and the UI tests.
import jupyter from '@jupyter/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/lib/**',
      'jupyterlab_hpc/**',
      'ui-tests/build/**',
      'ui-tests/labextensions*/**',
      'ui-tests/test-results/**',
      'coverage/**',
      'server-proxy/dist/**'
    ]
  },
  // TypeScript sources only: the JS files are build configs (prettier-checked).
  { plugins: { jupyter } },
  ...[...tseslint.configs.recommended, ...jupyter.configs.recommended]
    .filter(config => !config.files?.some(f => f.endsWith('.json')))
    .map(config => ({ ...config, files: ['**/*.ts', '**/*.tsx'] })),
  // The settings schemas, checked by @jupyter/eslint-plugin's JSON rules.
  ...jupyter.configs.recommended.filter(config =>
    config.files?.some(f => f.endsWith('.json'))
  ),
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: { regex: '^I[A-Z]', match: true }
        }
      ],
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-namespace': 'off',
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }]
    }
  },
  {
    files: ['**/__tests__/**', 'ui-tests/tests/**', 'server-proxy/test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off'
    }
  },
  prettier
);
