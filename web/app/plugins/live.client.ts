// Opens the live feed once the page is interactive and the browser is idle,
// so connecting and checking heads do not compete with the first paint.
export default defineNuxtPlugin((nuxtApp) => {
  nuxtApp.hook('app:mounted', () => {
    if ('requestIdleCallback' in window) window.requestIdleCallback(() => startLive(), { timeout: 1500 })
    else setTimeout(() => startLive(), 200)
  })
})
