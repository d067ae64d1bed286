package dev.jwkscache.internal.security;

import dev.jwkscache.SpkiPin;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import okhttp3.internal.tls.OkHostnameVerifier;

/**
 * Server certificate checks in three steps, all inside the TLS handshake: PKIX validation by the
 * wrapped trust manager, then the host name (by the wrapped manager from the socket's endpoint
 * identification, or here when it cannot), and only then the SPKI pins. So an expired, untrusted
 * or wrong-host certificate is reported as a TLS failure and never as a pin mismatch.
 *
 * <p>Pins are matched against the <em>verified</em> chain, not every certificate the server sent:
 * starting at the leaf, a certificate counts only when its key signed one already counted (the
 * trust anchors of the wrapped manager included). A server cannot pass by appending a pinned but
 * unrelated certificate (CA certificates are public) to a chain issued by some other trusted CA.
 */
final class PinningTrustManager extends X509ExtendedTrustManager {
  private static final int MAX_CHAIN = 16;

  private final X509TrustManager pkix;
  private final Map<X500Principal, List<X509Certificate>> anchors;
  private final Set<SpkiPin> pins;

  PinningTrustManager(X509TrustManager pkix, Map<X500Principal, List<X509Certificate>> anchors,
      Set<SpkiPin> pins) {
    this.pkix = pkix;
    this.anchors = anchors;
    this.pins = Set.copyOf(pins);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    String host = null;
    String hostAndPort = "the server";
    if (socket instanceof SSLSocket ssl && ssl.getHandshakeSession() != null) {
      SSLSession s = ssl.getHandshakeSession();
      host = s.getPeerHost();
      hostAndPort = host + ":" + s.getPeerPort();
    }
    if (pkix instanceof X509ExtendedTrustManager ext) {
      ext.checkServerTrusted(chain, authType, socket);
    } else {
      pkix.checkServerTrusted(chain, authType);
      verifyHost(host, chain);
    }
    checkPins(chain, hostAndPort);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    String host = engine == null ? null : engine.getPeerHost();
    String hostAndPort = host == null ? "the server" : host + ":" + engine.getPeerPort();
    if (pkix instanceof X509ExtendedTrustManager ext) {
      ext.checkServerTrusted(chain, authType, engine);
    } else {
      pkix.checkServerTrusted(chain, authType);
      verifyHost(host, chain);
    }
    checkPins(chain, hostAndPort);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    // Without a socket the host is unknown; the sockets we hand out never take this path.
    pkix.checkServerTrusted(chain, authType);
    checkPins(chain, "the server");
  }

  private static void verifyHost(String host, X509Certificate[] chain)
      throws CertificateException {
    if (host == null) {
      throw new CertificateException("Cannot verify the server's host name: no peer host known.");
    }
    if (!OkHostnameVerifier.INSTANCE.verify(host, chain[0])) {
      throw new CertificateException("The server certificate does not name host '" + host + "'.");
    }
  }

  private void checkPins(X509Certificate[] chain, String hostAndPort)
      throws SpkiPinMismatchException {
    if (pins.isEmpty()) {
      return;
    }
    List<X509Certificate> verified = verifiedChain(chain);
    for (X509Certificate c : verified) {
      if (pins.contains(SpkiPin.of(c))) {
        return;
      }
    }
    List<String> digests = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    for (X509Certificate c : verified) {
      String d = SpkiPin.of(c).base64();
      digests.add(d);
      boolean presented = false;
      for (X509Certificate p : chain) {
        presented |= p.equals(c);
      }
      labels.add("sha256/" + d + " (" + c.getSubjectX500Principal().getName()
          + (presented ? "" : ", trust anchor not sent by the server") + ")");
    }
    List<String> configured = new ArrayList<>();
    for (SpkiPin p : pins) {
      configured.add(p.toString());
    }
    configured.sort(null);
    throw new SpkiPinMismatchException(hostAndPort, digests, labels, configured);
  }

  /**
   * The leaf, then every certificate (sent by the server or a trust anchor) whose key signed a
   * certificate already in the list, breadth first. Handles cross-signed roots: every signer
   * path is explored, so a pin on any of them counts.
   */
  List<X509Certificate> verifiedChain(X509Certificate[] chain) {
    LinkedHashSet<X509Certificate> out = new LinkedHashSet<>();
    Deque<X509Certificate> todo = new ArrayDeque<>();
    out.add(chain[0]);
    todo.add(chain[0]);
    int limit = Math.min(chain.length, MAX_CHAIN);
    while (!todo.isEmpty() && out.size() < MAX_CHAIN) {
      X509Certificate child = todo.poll();
      X500Principal issuer = child.getIssuerX500Principal();
      List<X509Certificate> candidates = new ArrayList<>();
      for (int i = 1; i < limit; i++) {
        if (chain[i].getSubjectX500Principal().equals(issuer)) {
          candidates.add(chain[i]);
        }
      }
      candidates.addAll(anchors.getOrDefault(issuer, List.of()));
      for (X509Certificate parent : candidates) {
        if (!out.contains(parent) && signed(parent, child)) {
          out.add(parent);
          todo.add(parent);
        }
      }
    }
    return new ArrayList<>(out);
  }

  private static boolean signed(X509Certificate issuer, X509Certificate child) {
    try {
      child.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("This trust manager only checks servers.");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("This trust manager only checks servers.");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("This trust manager only checks servers.");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }
}
