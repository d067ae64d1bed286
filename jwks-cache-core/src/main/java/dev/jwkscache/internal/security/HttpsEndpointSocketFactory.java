package dev.jwkscache.internal.security;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Wraps a TLS socket factory so that every socket it makes verifies the server's host name
 * inside the handshake ({@code endpointIdentificationAlgorithm = "HTTPS"}), before our trust
 * manager looks at pins. OkHttp checks the host name again after the handshake.
 *
 * <p>One instance per pin set, never shared: OkHttp's connection pool keys connections by
 * {@code Address}, which includes this factory, so connections never cross pin sets. Each
 * instance also wraps its own {@code SSLContext}, so TLS sessions (which skip the certificate
 * checks when resumed) never cross pin sets either.
 */
final class HttpsEndpointSocketFactory extends SSLSocketFactory {
  private final SSLSocketFactory delegate;

  HttpsEndpointSocketFactory(SSLSocketFactory delegate) {
    this.delegate = delegate;
  }

  private static Socket configure(Socket socket) {
    if (socket instanceof SSLSocket ssl) {
      SSLParameters p = ssl.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      ssl.setSSLParameters(p);
    }
    return socket;
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return delegate.getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return delegate.getSupportedCipherSuites();
  }

  @Override
  public Socket createSocket() throws IOException {
    return configure(delegate.createSocket());
  }

  @Override
  public Socket createSocket(Socket s, String host, int port, boolean autoClose)
      throws IOException {
    return configure(delegate.createSocket(s, host, port, autoClose));
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return configure(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return configure(delegate.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return configure(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
      int localPort) throws IOException {
    return configure(delegate.createSocket(address, port, localAddress, localPort));
  }
}
