// Integration tests against the real stack: the built bin/hpc-proxy, the
// machine's Slurm, Debian's jupyter_server and Dask
// (test/integration/**/*.test.ts). One at a time (maxWorkers 1 runs them in
// band): they start servers and Jupyter and share Slurm's controller. The
// global set-up builds lib/ when it is missing or older than src/.
const unit = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: unit.testEnvironment,
  moduleFileExtensions: unit.moduleFileExtensions,
  transform: unit.transform,
  transformIgnorePatterns: unit.transformIgnorePatterns,
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  globalSetup: '<rootDir>/test/integration/global-setup.ts',
  maxWorkers: 1,
  testTimeout: 60000
};
