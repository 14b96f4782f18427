// Unit tests of the server: fast, in-process, no Slurm needed
// (src/**/__tests__/**/*.test.ts). The real-stack tests have their own
// config, jest.integration.config.js, which reuses the transforms below.

// Fastify's `inject` (light-my-request) requires `cookie` 2, which is ESM
// only: Node 20 loads it with require(esm), Jest's module loader does not,
// so it goes through ts-jest like our own sources.
const esmOnly = ['cookie'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['<rootDir>/src/**/__tests__/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
    [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          module: 'commonjs',
          target: 'ES2022',
          esModuleInterop: true
        }
      }
    ]
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  testTimeout: 15000
};
