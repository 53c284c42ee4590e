import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Unit tests of the protocol and of the app's plain modules (no Nuxt runtime);
// the aliases are Nuxt's own, so the modules import as in the app.
export default defineConfig({
  resolve: {
    alias: {
      '~~': fileURLToPath(new URL('.', import.meta.url)),
      '~': fileURLToPath(new URL('./app', import.meta.url)),
    },
  },
  test: {
    include: ['protocol/**/*.test.ts', 'app/**/*.test.ts', 'server/**/*.test.ts'],
    environment: 'node',
  },
})
