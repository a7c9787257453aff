// Feeds frames made by trackerd's WsResponseEncoder to npm bittorrent-tracker's real client
// (lib/client/websocket-tracker.js, as webtorrent runs it) and prints what the client made of
// them, one JSON line per event, for BittorrentTrackerClientIT. WebRTC is stubbed as in
// print-client-frames.mjs: the offer the client announces is a fixed object under a fixed id.
//
// usage: node client-reads-replies.mjs NODE_MODULES INFO_HASH_HEX PEER_ID_HEX OFFER_ID_HEX
// stdin: base64 frames, one a line: announce reply, offer relay, answer relay, failure, then the
// scrape reply (sent once the client scrapes). Exits 0 after the last expected event, 1 on timeout.
import { register, createRequire } from 'node:module'
import { EventEmitter } from 'node:events'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { readFileSync } from 'node:fs'

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve (specifier, context, next) {
  if (specifier === 'webrtc-polyfill') {
    return { shortCircuit: true, url: 'data:text/javascript,export const RTCPeerConnection = null, RTCSessionDescription = null, RTCIceCandidate = null' }
  }
  return next(specifier, context)
}`))

const [modules, infoHash, peerId, offerIdHex] = process.argv.slice(2)
const load = (file) => import(pathToFileURL(path.join(modules, file)).href)
const { default: Client } = await load('bittorrent-tracker/client.js')
const { default: WebSocketTracker } = await load('bittorrent-tracker/lib/client/websocket-tracker.js')
const { WebSocketServer } = createRequire(path.join(modules, 'x.js'))('ws')

const print = (event) => console.log(JSON.stringify(event))
const frames = readFileSync(0, 'utf8').split('\n').filter(Boolean).map(line => Buffer.from(line, 'base64'))
const expected = 6 // update, offer answered (frame), peer signalled by the offer, answer signalled, warning, scrape
let seen = 0
const saw = (event) => { print(event); if (++seen === expected) finish(0) }

const fakePeer = (name) => {
  const peer = new EventEmitter()
  peer.destroy = () => {}
  peer.signal = (data) => {
    saw({ event: 'signal', to: name, data })
    if (name === 'answering') peer.emit('signal', { type: 'answer', sdp: 'v=0\r\n' })
  }
  return peer
}
WebSocketTracker.prototype._generateOffers = function (numwant, cb) {
  this.peers[offerIdHex] = fakePeer('offering') // the answer relay is matched to this offer id
  cb([{ offer: { type: 'offer', sdp: 'v=0\r\n' }, offer_id: Buffer.from(offerIdHex, 'hex').toString('latin1') }])
}
WebSocketTracker.prototype._createPeer = function () { return fakePeer('answering') }

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
await new Promise(resolve => wss.on('listening', resolve))
let received = 0
wss.on('connection', socket => {
  socket.on('message', data => {
    received++
    const msg = JSON.parse(data.toString('utf8'))
    if (received === 1) { // the started announce: answer it with everything but the scrape reply
      for (const frame of frames.slice(0, 4)) socket.send(frame, { binary: false })
      client.scrape() // its request follows the four frames on the same connection
    } else if (msg.action === 'scrape') {
      socket.send(frames[4], { binary: false })
    } else if (msg.answer) {
      saw({ event: 'answer-frame', frame: Buffer.from(data).toString('base64') })
    }
  })
})
const client = new Client({ infoHash, peerId, announce: [`ws://127.0.0.1:${wss.address().port}`], port: 6881, wrtc: {} })
client.on('update', (data) => saw({ event: 'update', complete: data.complete, incomplete: data.incomplete, infoHash: data.infoHash }))
client.on('scrape', (data) => saw({ event: 'scrape', complete: data.complete, downloaded: data.downloaded, incomplete: data.incomplete, infoHash: data.infoHash }))
client.on('warning', (err) => saw({ event: 'warning', message: err.message }))
client.on('error', (err) => { print({ event: 'error', message: err.message }); finish(1) })
client.start({ numwant: 1 })
const timer = setTimeout(() => { print({ event: 'timeout', seen }); finish(1) }, 15000)

function finish (code) {
  clearTimeout(timer)
  client.destroy()
  wss.close()
  setTimeout(() => process.exit(code), 50)
}
