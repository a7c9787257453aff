/**
 * TLS for HTTPS and WSS: the server certificate read from PEM files, checked, turned into a
 * Netty {@link io.netty.handler.ssl.SslContext} by the configured provider (BoringSSL or the
 * JDK), and replaced without a restart when the files change or the operator sends a signal.
 */
package trackerd.http.tls;
