import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['protocol/**/*.test.ts', 'app/**/*.test.ts'],
    environment: 'node',
  },
})
