// The web server's log format (INK_LOG_FORMAT), set once at start.
import { installLogFormat } from '../utils/log-format'

export default defineNitroPlugin(() => {
  installLogFormat(process.env.INK_LOG_FORMAT)
})
