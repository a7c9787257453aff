// Two headless Chromium processes (Debian's /usr/bin/chromium driven by playwright-core; no
// browser is downloaded), each loading the npm webtorrent browser bundle from a local static
// server: one seeds a generated blob through the tracker at argv[2], the other adds the magnet
// link and downloads it through that tracker alone (no DHT, no STUN, no web seeds); with argv[4]
// the downloader announces to that tracker alone instead (another node of a cluster: the magnet's
// own tracker is taken out). Exits 0 when the downloaded bytes hash like the seeded ones. Flags:
// ../../../../shared DESIGN.md section 7.
import { chromium } from 'playwright-core'
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const tracker = process.argv[2]
const size = Number(process.argv[3] || 2 * 1024 * 1024)
const leechTracker = process.argv[4] || tracker
if (!tracker) throw new Error('usage: node transfer.mjs ws://127.0.0.1:PORT [bytes] [ws://DOWNLOADER-TRACKER]')
const here = dirname(fileURLToPath(import.meta.url))
const files = {
  '/': ['text/html', join(here, 'page.html')],
  '/webtorrent.min.js': ['text/javascript', join(here, 'node_modules', 'webtorrent', 'dist', 'webtorrent.min.js')]
}
const server = createServer(async (req, res) => {
  const entry = files[req.url]
  if (!entry) { res.writeHead(404).end(); return }
  res.writeHead(200, { 'content-type': entry[0] }).end(await readFile(entry[1]))
})
await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
const page = `http://127.0.0.1:${server.address().port}/`

const args = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection', '--force-webrtc-ip-handling-policy=default',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  // wss:// with the certificate the test made
  '--ignore-certificate-errors'
]
const dirs = []
const browsers = []
async function open () {
  const dir = await mkdtemp(join(tmpdir(), 'trackerd-chromium-'))
  dirs.push(dir)
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true, args, ignoreHTTPSErrors: true
  })
  browsers.push(context)
  const tab = await context.newPage()
  tab.on('console', m => console.error(`[${dirs.length}] ${m.text()}`))
  await tab.goto(page)
  return tab
}

const deadline = setTimeout(() => { console.error('transfer timed out'); process.exit(3) }, 90_000)
let code = 1
try {
  const seeder = await open()
  const leecher = await open()
  const seeded = await seeder.evaluate(([t, s]) => window.seed(t, s, 12345), [tracker, size])
  console.log(`seeding ${size} bytes, sha256 ${seeded.sha256}`)
  // through the downloader's tracker alone: the magnet link's tr= (the seeder's tracker) taken out
  const magnet = leechTracker === tracker ? seeded.magnet : seeded.magnet.replace(/&tr=[^&]*/g, '')
  const got = await leecher.evaluate(([t, m]) => window.download(t, m), [leechTracker, magnet])
  console.log(`downloaded ${got.length} bytes, sha256 ${got.sha256}, peers ${got.peers}`)
  code = got.sha256 === seeded.sha256 && got.length === size ? 0 : 2
} catch (e) {
  console.error(e)
} finally {
  clearTimeout(deadline)
  for (const b of browsers) await b.close().catch(() => {})
  for (const d of dirs) await rm(d, { recursive: true, force: true }).catch(() => {})
  server.close()
}
process.exit(code)
