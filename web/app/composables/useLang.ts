// Language: a cookie set by the switch wins, else the browser's
// Accept-Language (on the server) or navigator.languages (in the browser).
import { messages, pickLocale, type Locale, type MessageKey } from '~/i18n/messages'

function fromAcceptLanguage(header: string): string[] {
  return header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';')
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())).find(Boolean)
      return { tag: tag ?? '', q: q ? Number(q[1]) : 1, i }
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.tag)
}

export function useLang() {
  const cookie = useCookie<Locale | null>('ink-lang', { maxAge: 60 * 60 * 24 * 365, sameSite: 'lax' })
  const locale = useState<Locale>('locale', () => {
    if (cookie.value === 'en' || cookie.value === 'de') return cookie.value
    if (import.meta.server) return pickLocale(fromAcceptLanguage(useRequestHeaders(['accept-language'])['accept-language'] ?? ''))
    return pickLocale([...(navigator.languages ?? [navigator.language])])
  })

  function t(key: MessageKey, params: Record<string, string | number> = {}): string {
    const text = messages[locale.value][key] ?? messages.en[key] ?? key
    return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`))
  }

  /** Whether a message exists (for optional, more specific wordings). */
  function has(key: string): boolean {
    return key in messages.en
  }

  function setLocale(next: Locale) {
    locale.value = next
    cookie.value = next
  }

  return { locale, t, has, setLocale }
}
