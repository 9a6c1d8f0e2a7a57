/** Unit tests import TypeScript through ts-jest; end-to-end tests spawn the built binary (bin/elm.js). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/support/globalSetup.js',
};
