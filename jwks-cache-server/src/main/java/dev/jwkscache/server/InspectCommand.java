package dev.jwkscache.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import dev.jwkscache.Inspector;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.SpkiPin;
import dev.jwkscache.server.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code inspect URL}: one fetch with the registry's client and checks, then what the cache would
 * make of it, and the SPKI pins of the server's certificate chain.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"Fetch a JWKS once, with the cache's security checks, and show the computed"
        + " TTL and why, the validators, each key, any private material, and the SHA-256 SPKI"
        + " pin of each certificate of the TLS chain (ready for pinned_spki)."},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:fetched and parsed", "1:the fetch failed or was refused",
        "2:bad command line"})
final class InspectCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "URL", description = "The JWKS URL (https).")
  String url;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  @Option(names = "--ca-file", paramLabel = "PEM",
      description = "Trust only the CA certificates in this PEM file (a private CA).")
  Path caFile;

  @Option(names = "--pin", paramLabel = "BASE64",
      description = "Require this SHA-256 SPKI pin in the chain (repeatable), as pinned_spki.")
  List<String> pins = new ArrayList<>();

  @Option(names = "--allow-http", description = "Allow a plain http URL (require_https false).")
  boolean allowHttp;

  @Option(names = "--refuse-private-addresses",
      description = "Also refuse loopback and private addresses, as the registry option.")
  boolean refusePrivate;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ProviderRegistration registration;
    X509TrustManager trust;
    try {
      ProviderRegistration.Builder b = ProviderRegistration.builder("inspect", "inspect", url)
          .pinnedSpki(pins);
      b.requireHttps(!allowHttp);
      registration = b.build();
      trust = caFile == null ? null : trustManager(caFile);
    } catch (JwksCacheException | IOException | GeneralSecurityException e) {
      err.println("Cannot inspect: " + e.getMessage());
      return 2;
    }
    Inspector.Result r;
    try {
      r = Inspector.inspect(registration, trust, refusePrivate);
    } catch (JwksCacheException e) {
      if (json) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("url", url);
        o.put("error", e.getClass().getSimpleName());
        o.put("message", e.getMessage());
        out.println(o.toPrettyString());
      } else {
        err.println("Fetch failed (" + e.getClass().getSimpleName() + "): " + e.getMessage());
      }
      return 1;
    }
    List<X509Certificate> chain = new ArrayList<>();
    String chainError = null;
    URI finalUri = URI.create(r.finalUrl());
    if ("https".equals(finalUri.getScheme())) {
      try {
        chain = chain(finalUri, trust);
      } catch (IOException | GeneralSecurityException e) {
        chainError = e.toString();
      }
    }
    if (json) {
      out.println(toJson(r, chain, chainError).toPrettyString());
    } else {
      printText(out, r, chain, chainError);
    }
    out.flush();
    return 0;
  }

  private void printText(PrintWriter out, Inspector.Result r, List<X509Certificate> chain,
      String chainError) {
    out.println("URL          " + url);
    if (!r.finalUrl().equals(url)) {
      out.println("Final URL    " + r.finalUrl() + " (after redirects)");
    }
    out.println("Received     " + r.receivedAt());
    out.println("TTL          " + r.ttl().toSeconds() + " s  (" + r.ttlReason() + ")");
    out.println("Validators   ETag " + orNone(r.etag()) + ", Last-Modified "
        + orNone(r.lastModified()));
    out.println("Headers      Cache-Control " + (r.cacheControl().isEmpty() ? "(none)"
        : String.join(", ", r.cacheControl())) + "; Expires " + orNone(r.expires()) + "; Date "
        + orNone(r.date()) + "; Age " + orNone(r.age()));
    out.println();
    out.printf("Keys (%d)%n", r.keys().size());
    out.printf("  %-36s %-4s %-8s %-4s %s%n", "kid", "kty", "alg", "use", "size/curve");
    for (JWK k : r.keys().getKeys()) {
      out.printf("  %-36s %-4s %-8s %-4s %s%n", orDash(k.getKeyID()), k.getKeyType(),
          k.getAlgorithm() == null ? "-" : k.getAlgorithm().getName(),
          k.getKeyUse() == null ? "-" : k.getKeyUse().identifier(), sizeOrCurve(k));
    }
    if (r.skippedKeys() > 0) {
      out.println("  " + r.skippedKeys() + " key(s) skipped: they did not parse (see the log).");
    }
    out.println();
    out.println("Private material  " + (r.privateMaterialDropped()
        ? "FOUND: private members or symmetric keys were in the document; the cache removes"
            + " them and serves public keys only. Tell the provider: that endpoint leaks keys."
        : "none (public keys only)"));
    out.println();
    if (chainError != null) {
      out.println("TLS chain    could not be read: " + chainError);
    } else if (!chain.isEmpty()) {
      out.println("TLS chain (SHA-256 SPKI pins; paste one or more into pinned_spki)");
      for (int i = 0; i < chain.size(); i++) {
        X509Certificate c = chain.get(i);
        out.printf("  [%d] %s%n      pin %s   (expires %s)%n", i,
            c.getSubjectX500Principal().getName(), SpkiPin.of(c).base64(),
            c.getNotAfter().toInstant());
      }
    } else {
      out.println("TLS chain    none (plain http)");
    }
  }

  private ObjectNode toJson(Inspector.Result r, List<X509Certificate> chain, String chainError) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("url", url);
    o.put("final_url", r.finalUrl());
    o.put("received_at", r.receivedAt().toString());
    o.put("ttl_seconds", r.ttl().toSeconds());
    o.put("ttl_reason", r.ttlReason());
    ObjectNode headers = o.putObject("headers");
    putNullable(headers, "etag", r.etag());
    putNullable(headers, "last_modified", r.lastModified());
    ArrayNode cc = headers.putArray("cache_control");
    r.cacheControl().forEach(cc::add);
    putNullable(headers, "expires", r.expires());
    putNullable(headers, "date", r.date());
    putNullable(headers, "age", r.age());
    ArrayNode keys = o.putArray("keys");
    for (JWK k : r.keys().getKeys()) {
      ObjectNode ko = keys.addObject();
      putNullable(ko, "kid", k.getKeyID());
      ko.put("kty", k.getKeyType().getValue());
      putNullable(ko, "alg", k.getAlgorithm() == null ? null : k.getAlgorithm().getName());
      putNullable(ko, "use", k.getKeyUse() == null ? null : k.getKeyUse().identifier());
      if (k instanceof ECKey || k instanceof OctetKeyPair) {
        ko.put("curve", sizeOrCurve(k));
      } else {
        ko.put("size", k.size());
      }
    }
    o.put("skipped_keys", r.skippedKeys());
    o.put("private_material_found", r.privateMaterialDropped());
    ArrayNode certs = o.putArray("tls_chain");
    for (X509Certificate c : chain) {
      ObjectNode co = certs.addObject();
      co.put("subject", c.getSubjectX500Principal().getName());
      co.put("issuer", c.getIssuerX500Principal().getName());
      co.put("not_after", c.getNotAfter().toInstant().toString());
      co.put("spki_sha256", SpkiPin.of(c).base64());
    }
    putNullable(o, "tls_chain_error", chainError);
    return o;
  }

  private static String sizeOrCurve(JWK k) {
    if (k instanceof ECKey ec) {
      return ec.getCurve().getName();
    }
    if (k instanceof OctetKeyPair okp) {
      return okp.getCurve().getName();
    }
    return k instanceof AsymmetricJWK ? k.size() + " bits" : "-";
  }

  /** The certificate chain the server presents, read in a separate TLS handshake. */
  static List<X509Certificate> chain(URI uri, X509TrustManager trust)
      throws IOException, GeneralSecurityException {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, trust == null ? null : new TrustManager[] {trust}, null);
    int port = uri.getPort() == -1 ? 443 : uri.getPort();
    try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket()) {
      socket.connect(new InetSocketAddress(uri.getHost(), port), 5_000);
      socket.setSoTimeout(5_000);
      SSLParameters params = socket.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      if (!uri.getHost().matches("[0-9.:\\[\\]]+")) {
        params.setServerNames(List.of(new SNIHostName(uri.getHost())));
      }
      socket.setSSLParameters(params);
      socket.startHandshake();
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : socket.getSession().getPeerCertificates()) {
        out.add((X509Certificate) c);
      }
      return out;
    }
  }

  /** A trust manager for exactly the CA certificates of a PEM file. */
  static X509TrustManager trustManager(Path pem) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(pem)) {
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new GeneralSecurityException("No certificate in " + pem);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("No X509TrustManager available");
  }

  private static void putNullable(ObjectNode o, String name, String value) {
    if (value == null) {
      o.putNull(name);
    } else {
      o.put(name, value);
    }
  }

  private static String orNone(String s) {
    return s == null ? "(none)" : s;
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }
}
