// The public web page of unchanging.ink: server-side rendered, updated live.
// Nothing here may fetch from the internet at build or run time.
export default defineNuxtConfig({
  compatibilityDate: '2025-11-01',
  ssr: true,
  devtools: { enabled: false },
  telemetry: false,
  css: ['~/assets/main.css'],
  app: {
    head: {
      htmlAttrs: { lang: 'en' },
      meta: [
        { charset: 'utf-8' },
        { name: 'viewport', content: 'width=device-width, initial-scale=1' },
        { name: 'color-scheme', content: 'light dark' },
        { name: 'theme-color', content: '#1d3557' },
      ],
      link: [{ rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }],
    },
  },
  nitro: {
    // Heads are read from Redis and the backend at request time; nothing is prerendered.
    prerender: { crawlLinks: false, routes: [] },
  },
  typescript: { strict: true },
})
