// Headless Chromium (Debian's /usr/bin/chromium driven by playwright-core; no browser is
// downloaded) loads trackerd's stats page at argv[2] + '/stats' and checks, in a real browser:
// every number the page shows (each carries data-stat="PATH", its path in /stats.json) equals
// that path's value in /stats.json fetched right after, from the same snapshot (taken once a
// second; a page and a JSON of different seconds are retried); the page names each protocol of
// argv[3] (comma-separated), the swarm counts and the top torrents; the page has no script and
// loads nothing else; and it reloads itself (meta refresh). Exits 0 with "matched N numbers".
import { chromium } from 'playwright-core'

const base = process.argv[2]
const protocols = (process.argv[3] || '').split(',').filter(p => p)
if (!base) throw new Error('usage: node stats.mjs http://127.0.0.1:PORT udp,http')

function at (json, path) {
  let value = json
  for (const part of path.split('.')) {
    if (value === undefined || value === null) return undefined
    value = value[part]
  }
  return value
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync']
})
let failed = null
try {
  const page = await browser.newPage()
  const requests = []
  page.on('request', r => requests.push(r.url()))
  let cells = null
  let json = null
  for (let attempt = 0; attempt < 20; attempt++) {
    await page.goto(base + '/stats', { waitUntil: 'load' })
    cells = await page.$$eval('[data-stat]', nodes => nodes.map(n => [n.dataset.stat, n.textContent]))
    json = await (await fetch(base + '/stats.json')).json()
    const shown = Object.fromEntries(cells)
    if (Number(shown.uptime_seconds) === json.uptime_seconds && Number(shown.taken_at) === json.taken_at) break
    json = null // a new snapshot came between the two: try again
  }
  if (!json) throw new Error('page and JSON never showed the same snapshot')
  const mismatches = []
  for (const [path, text] of cells) {
    const value = at(json, path)
    const same = typeof value === 'number' ? Number(text) === value : text === value
    if (!same) mismatches.push(`${path}: page "${text}", json ${JSON.stringify(value)}`)
  }
  if (mismatches.length) throw new Error('page differs from /stats.json:\n' + mismatches.join('\n'))
  const paths = new Set(cells.map(c => c[0]))
  const expected = ['version', 'uptime_seconds', 'torrents.bittorrent', 'completed.bittorrent',
    'peers.bittorrent.4.seeder', 'peers.bittorrent.4.leecher', 'peers.bittorrent.6.seeder',
    'peers.bittorrent.6.leecher', 'top_torrents.age_seconds']
  for (const p of protocols) expected.push(`requests_per_second.${p}.last_minute`, `requests_per_second.${p}.last_second`)
  for (let i = 0; i < json.top_torrents.torrents.length; i++) {
    for (const f of ['info_hash', 'seeders', 'leechers', 'completed']) expected.push(`top_torrents.torrents.${i}.${f}`)
  }
  const missing = expected.filter(p => !paths.has(p))
  if (missing.length) throw new Error('page does not show: ' + missing.join(', '))
  if (json.top_torrents.torrents.length === 0) throw new Error('no top torrents in ' + JSON.stringify(json))
  if (await page.$('script') !== null) throw new Error('the page has a script')
  const others = requests.filter(u => !u.startsWith(base + '/stats'))
  if (others.length) throw new Error('the page loaded other URLs: ' + others.join(', '))
  // it reloads itself: a second load event without anything done here
  await page.waitForEvent('load', { timeout: 15000 })
  console.log(`matched ${cells.length} numbers; top torrents ${json.top_torrents.torrents.length}; page reloaded itself`)
} catch (e) {
  failed = e
} finally {
  await browser.close()
}
if (failed) {
  console.error(failed.stack || String(failed))
  process.exit(1)
}
