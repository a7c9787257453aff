// Prints, one per line, the WebSocket text frames that npm bittorrent-tracker's real client
// (lib/client/websocket-tracker.js, what webtorrent uses) sends to a tracker, as the golden
// input of WsClientFramesTest (tracker-ws/src/test/resources/trackerd/ws/protocol/client-frames.txt).
// WebRTC is the one thing stubbed: offers and answers come from a fake peer emitting fixed SDP
// objects shaped as simple-peer's, so the frames are built and JSON.stringify'd by the client's code.
//
// usage (after scripts/install-bittorrent-tracker):
//   NODE_PATH=tracker-loadtest/src/test/node/node_modules node tracker-ws/src/test/node/print-client-frames.mjs
import { createRequire } from 'node:module'
import { EventEmitter } from 'node:events'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { register } from 'node:module'

// simple-peer imports webrtc-polyfill, whose native part the installer skips (--ignore-scripts):
// resolve it to a stub, since WebRTC itself is stubbed below
register('data:text/javascript,' + encodeURIComponent(`
export async function resolve (specifier, context, next) {
  if (specifier === 'webrtc-polyfill') {
    return { shortCircuit: true, url: 'data:text/javascript,export const RTCPeerConnection = null, RTCSessionDescription = null, RTCIceCandidate = null' }
  }
  return next(specifier, context)
}`))

const modules = path.resolve(process.env.NODE_PATH || 'tracker-loadtest/src/test/node/node_modules')
const load = (file) => import(pathToFileURL(path.join(modules, file)).href)
const { default: Client } = await load('bittorrent-tracker/client.js')
const { default: WebSocketTracker } = await load('bittorrent-tracker/lib/client/websocket-tracker.js')
const { WebSocketServer } = createRequire(path.join(modules, 'x.js'))('ws')

// every byte 0x00-0xff appears in one of these ids
const bytes = (from) => Array.from({ length: 20 }, (_, i) => (from + i) & 0xff)
const hex = (arr) => Buffer.from(arr).toString('hex')
const INFO_HASH = hex(bytes(0x00)) // 000102...13: control chars
const PEER_ID = hex(bytes(0xec))   // ec..ff 00..07: 2-byte UTF-8 and wrap-around

const SDP = (type, n) => ({ type, sdp: `v=0\r\no=- ${n} 2 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 AB:CD\r\na=x "quoted" \\ \u00e9\r\n` })
let offerNumber = 0
WebSocketTracker.prototype._generateOffers = function (numwant, cb) {
  const offers = []
  for (let i = 0; i < numwant; i++) {
    const offerId = bytes(0x20 + 20 * (offerNumber++)) // walks 0x20.. over the printable and high bytes
    offers.push({ offer: SDP('offer', offerNumber), offer_id: String.fromCharCode(...offerId) })
  }
  cb(offers)
}
WebSocketTracker.prototype._createPeer = function () { // a WebRTC peer that answers at once
  const peer = new EventEmitter()
  peer.signal = () => peer.emit('signal', SDP('answer', 99))
  peer.destroy = () => {}
  return peer
}

const frames = []
let left = NaN // webtorrent's left before it has the metadata: JSON null
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
await new Promise(resolve => wss.on('listening', resolve))
const done = new Promise(resolve => {
  wss.on('connection', socket => {
    socket.on('message', data => {
      frames.push(data.toString('utf8'))
      const msg = JSON.parse(data.toString('utf8'))
      if (frames.length === 1) {
        // reply as a tracker, then relay an offer so the client sends an answer
        socket.send(JSON.stringify({ action: 'announce', interval: 120, info_hash: msg.info_hash, complete: 0, incomplete: 1 }))
        socket.send(JSON.stringify({
          action: 'announce', info_hash: msg.info_hash, peer_id: String.fromCharCode(...bytes(0x80)),
          offer_id: String.fromCharCode(...bytes(0x60)), offer: SDP('offer', 7)
        }))
      }
      if (frames.length === 2) { left = 0; client.complete() }
      if (frames.length === 3) client.scrape()
      if (frames.length === 4) client.scrape({ infoHash: [INFO_HASH, hex(bytes(0x70))] })
      if (frames.length === 5) client.stop()
      if (frames.length === 6) resolve()
    })
  })
})
const client = new Client({
  infoHash: INFO_HASH, peerId: PEER_ID, announce: [`ws://127.0.0.1:${wss.address().port}`],
  port: 6881, wrtc: {}, getAnnounceOpts: () => ({ uploaded: 1024, downloaded: 2048, left })
})
client.on('warning', () => {})
client.on('error', err => { console.error(err); process.exit(1) })
client.start({ numwant: 3 })
const timer = setTimeout(() => { console.error('timed out with', frames.length, 'frames'); process.exit(1) }, 10000)
await done
clearTimeout(timer)
for (const f of frames) console.log(f)
client.destroy()
wss.close()
process.exit(0)
