// A reference tracker for the load tester's tests: the npm bittorrent-tracker package (the
// WebTorrent tracker most deployments run) serving HTTP and WebSocket on one port of 127.0.0.1,
// and HTTPS and WSS on a port of ::1 when a certificate is given (loopback only, both families).
//
// usage: node reference-tracker.mjs [CERT.pem KEY.pem]
// Prints one JSON line, {"http": PORT, "https": PORT or null}, once listening; stops on SIGTERM,
// and when standard input is a pipe, once it closes (so a killed test leaves nothing behind).
import { fstatSync, readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import Server from 'bittorrent-tracker/server' // the server alone: the package's index pulls in WebRTC
import { WebSocketServer } from 'ws'

const tracker = new Server({ udp: false, http: false, ws: false, stats: false })
tracker.on('warning', () => {}) // bad requests are the client's problem, answered with a failure reason

function serve (server, host) {
  server.on('request', (req, res) => tracker.onHttpRequest(req, res))
  const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false })
  wss.on('connection', (socket, req) => {
    socket.upgradeReq = req
    tracker.onWebSocketConnection(socket)
  })
  return new Promise(resolve => server.listen(0, host, () => resolve(server.address().port)))
}

const [cert, key] = process.argv.slice(2)
const ports = { http: await serve(http.createServer(), '127.0.0.1'), https: null }
if (cert) ports.https = await serve(https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }), '::1')
console.log(JSON.stringify(ports))

process.on('SIGTERM', () => process.exit(0))
if (fstatSync(0).isFIFO()) {
  process.stdin.on('end', () => process.exit(0))
  process.stdin.resume()
}
