// Opens the live feed once the page is interactive.
export default defineNuxtPlugin((nuxtApp) => {
  nuxtApp.hook('app:mounted', () => startLive())
})
