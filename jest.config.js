// Unit tests of the extension (src/**/__tests__), with JupyterLab's jest
// preset. The server has its own config in server-proxy/.
const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

const esModules = [
  '@codemirror',
  '@jupyterlab',
  '@lumino',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@microsoft',
  'exenv-es6',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  roots: ['<rootDir>/src'],
  testRegex: '/src/(.*/)?__tests__/.*\\.spec\\.tsx?$',
  reporters: ['default'],
  setupFilesAfterEnv: ['<rootDir>/src/__tests__/setup.ts'],
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
