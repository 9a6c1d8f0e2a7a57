/** Unit tests import TypeScript through ts-jest; end-to-end tests spawn the built binary (bin/elm.js). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Lazy imports name the compiled file (`./x.js`, as node16 resolution requires); map them to the .ts source.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/support/globalSetup.js',
};
