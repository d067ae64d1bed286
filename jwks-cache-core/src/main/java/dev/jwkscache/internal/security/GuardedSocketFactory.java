package dev.jwkscache.internal.security;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketAddress;
import javax.net.SocketFactory;

/**
 * Plain sockets that check their target in {@code connect()}, the last moment before a packet
 * leaves. This covers what the DNS hook cannot see: OkHttp connects to IP literals (including the
 * decimal spelling {@code http://2852039166/}) without asking the {@code Dns}. TLS sockets are
 * layered over these, so https is covered too. Sockets never use a proxy: through a proxy the
 * address actually reached would be out of our sight.
 */
final class GuardedSocketFactory extends SocketFactory {
  private final boolean refusePrivate;

  GuardedSocketFactory(boolean refusePrivate) {
    this.refusePrivate = refusePrivate;
  }

  @Override
  public Socket createSocket() {
    return new GuardedSocket(refusePrivate);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    Socket s = createSocket();
    connect(s, new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    Socket s = createSocket();
    s.bind(new InetSocketAddress(localHost, localPort));
    connect(s, new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    Socket s = createSocket();
    connect(s, new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
      int localPort) throws IOException {
    Socket s = createSocket();
    s.bind(new InetSocketAddress(localAddress, localPort));
    connect(s, new InetSocketAddress(address, port));
    return s;
  }

  private static void connect(Socket s, InetSocketAddress target) throws IOException {
    try {
      s.connect(target);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  static final class GuardedSocket extends Socket {
    private final boolean refusePrivate;

    GuardedSocket(boolean refusePrivate) {
      super(Proxy.NO_PROXY);
      this.refusePrivate = refusePrivate;
    }

    // Socket.connect(SocketAddress) delegates here, so every connect passes the check.
    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
      if (!(endpoint instanceof InetSocketAddress target) || target.isUnresolved()) {
        close();
        throw new RefusedAddressException(String.valueOf(endpoint), null,
            "only resolved addresses are connected to, so that they can be checked");
      }
      String why = AddressPolicy.refusal(target.getAddress(), refusePrivate);
      if (why != null) {
        close();
        throw new RefusedAddressException(target.getHostString(), target.getAddress(), why);
      }
      super.connect(endpoint, timeout);
    }
  }
}
